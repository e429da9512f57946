"""Who is looking at the page: the person signed in (a session cookie holding the identity
service's token) or a caller with ``Authorization: Bearer`` (scripts, wall screens).

The token is verified here against the identity service's keys only to know whose page to
draw (the role decides the navigation and the buttons); every service verifies it again on
every call, so a page never grants what the service would refuse.

The cookie is ``HttpOnly`` (no script reads it) and ``SameSite=Strict``; on top, a write
authenticated by the cookie must come from the console's own origin (``Origin`` or
``Referer``), the OWASP check against cross-site request forgery. A Bearer token is never
sent by a browser on its own, so it needs neither.
"""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from crm_shared.auth import Principal, TokenVerifier, Unauthenticated
from crm_shared.auth.jwks import KeysUnavailable
from crm_shared.auth.permissions import Permission, grants
from fastapi import Depends, Request

SESSION_COOKIE = "crm_console_session"
# Who signed in, for the header (not a credential: the token above is).
USER_COOKIE = "crm_console_user"
SIGNED_IN = "signed-in"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """No valid session: the page sends the person to the sign-in form."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "please sign in")
        self.reason = reason


class NotAllowed(Exception):
    """Signed in, but the role does not hold what the page needs."""

    def __init__(self, permission: Permission) -> None:
        super().__init__(f"your role may not use this page ({permission.value})")
        self.permission = permission


class CrossSiteWrite(Exception):
    """A cookie-authenticated write from another origin (a forged request)."""


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    token: str
    email: str | None = None
    by_cookie: bool = False

    @property
    def role(self) -> str:
        return self.principal.role or "partner"

    @property
    def label(self) -> str:
        return self.email or f"{self.role} ({self.principal.subject[:8]})"

    def can(self, permission: Permission | str) -> bool:
        return grants(self.principal, Permission(permission))


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _same_origin(request: Request) -> bool:
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    return urlsplit(source).netloc == request.headers.get("host", "")


async def current_viewer(request: Request) -> Viewer:
    """The verified person behind this request, or :class:`SignInRequired`."""
    token = _bearer(request)
    by_cookie = token is None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired()
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.principal(token)
    except Unauthenticated as error:
        raise SignInRequired("your session has ended: please sign in again") from error
    except KeysUnavailable as error:
        raise SignInRequired("the identity service cannot be reached: try again shortly") from error
    if by_cookie and request.method not in SAFE_METHODS and not _same_origin(request):
        raise CrossSiteWrite()
    viewer = Viewer(
        principal=principal,
        token=token,
        email=request.cookies.get(USER_COOKIE) if by_cookie else None,
        by_cookie=by_cookie,
    )
    request.state.viewer = viewer
    return viewer


# Any signed-in person (the start page): a declaration the route table test accepts.
current_viewer.permission = SIGNED_IN  # type: ignore[attr-defined]
ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def allowed(permission: Permission) -> Any:
    """A dependency: the viewer, who must hold ``permission`` (else :class:`NotAllowed`)."""

    async def dependency(viewer: ViewerDep) -> Viewer:
        if not viewer.can(permission):
            raise NotAllowed(permission)
        return viewer

    dependency.permission = permission.value  # type: ignore[attr-defined]
    return Depends(dependency)

"""Bearer tokens at the HTTP edge: who calls, and may they.

A service's app gets a :class:`~crm_shared.auth.TokenVerifier` on ``app.state.token_verifier``
(:func:`install_token_verifier`, done by ``create_service_app``) and every route declares its
permission (:mod:`crm_shared.auth.permissions`)::

    @router.get("/v1/things", dependencies=[requires(Permission.CUSTOMERS_READ)])
    async def things(principal: PrincipalDep) -> ...: ...

- no ``Authorization: Bearer …`` header: ``401`` problem (``…/problems/unauthenticated``)
  with ``WWW-Authenticate: Bearer realm="crm"``;
- a token that does not verify (expired, wrong issuer or audience, bad signature, unknown
  ``kid``, ``alg: none``): ``401`` (``…/problems/invalid-token``) with
  ``WWW-Authenticate: Bearer realm="crm", error="invalid_token"`` (RFC 6750 §3);
- a valid token whose role or scopes do not grant the permission: ``403``
  (``…/problems/forbidden``) with ``error="insufficient_scope"``;
- a caller over its rate limit (checked with the token, before the permission): ``429``
  (:mod:`crm_shared.api.ratelimit`).
"""

from typing import Annotated

from fastapi import Depends, FastAPI, Request, params
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from crm_shared.api.problems import TYPE_BASE, Problem
from crm_shared.api.ratelimit import charge_caller
from crm_shared.auth.permissions import Permission, grants
from crm_shared.auth.tokens import Principal, PrincipalSource, Unauthenticated

REALM = "crm"
_bearer = HTTPBearer(auto_error=False, description="A bearer token from the identity service")


def install_token_verifier(app: FastAPI, verifier: PrincipalSource) -> None:
    app.state.token_verifier = verifier


def _challenge(error: str | None = None) -> dict[str, str]:
    value = f'Bearer realm="{REALM}"'
    if error is not None:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller, or a 401 problem."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(
            401,
            "send a bearer token: Authorization: Bearer <token>",
            type_=TYPE_BASE + "unauthenticated",
            headers=_challenge(),
        )
    verifier: PrincipalSource | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise Problem(503, "this service cannot check tokens yet", type_=TYPE_BASE + "no-verifier")
    try:
        principal = await verifier.principal(credentials.credentials)
    except Unauthenticated as error:
        raise Problem(
            401,
            error.message,
            type_=TYPE_BASE + "invalid-token",
            headers=_challenge("invalid_token"),
        ) from error
    request.state.principal = principal
    charge_caller(request, principal)  # 429 over the caller's rate limit
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _forbidden(detail: str) -> Problem:
    return Problem(
        403, detail, type_=TYPE_BASE + "forbidden", headers=_challenge("insufficient_scope")
    )


def requires(permission: Permission) -> params.Depends:
    """``dependencies=[requires(Permission.CUSTOMERS_READ)]``: the route's permission, checked
    for the caller (401 without a valid token, 403 without the permission); the route table
    test reads it back (:func:`declared_permission`)."""

    async def check(principal: PrincipalDep) -> Principal:
        if not grants(principal, permission):
            raise _forbidden(f"this operation needs the permission {permission.value}")
        return principal

    check.permission = permission  # type: ignore[attr-defined]
    return Depends(check)


PUBLIC = "public"


def public() -> params.Depends:
    """``dependencies=[public()]``: the route is open to anyone, on purpose (a token endpoint,
    a signed link); the route table test accepts it as a declaration."""

    async def open_to_anyone() -> None:
        return None

    open_to_anyone.permission = PUBLIC  # type: ignore[attr-defined]
    return Depends(open_to_anyone)


def api_routes(app: FastAPI) -> list[RouteContext]:
    """Every API route of ``app`` as served: its full path, methods and dependencies (the
    routers' included), for the route table test and the README's table."""
    return [
        route
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
    ]


def declared_permission(route: APIRoute | RouteContext) -> str | None:
    """The permission a route declares (its own or its router's), ``"public"``, or None."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        declared = getattr(dependency.call, "permission", None)
        if declared is not None:
            return str(declared)
        pending.extend(dependency.dependencies)
    return None

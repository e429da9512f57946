"""Sign in with the identity service (its password grant) and sign out.

The token it issues is the session: kept in an ``HttpOnly`` cookie until it expires, sent as
the person's own bearer token on every call the console makes for them.
"""

from typing import Annotated
from urllib.parse import urlsplit

from crm_shared.api.auth import public
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crm_console.session import SESSION_COOKIE, USER_COOKIE
from crm_console.upstream import Upstream, UpstreamError
from crm_console.web import render

router = APIRouter(dependencies=[public()])


def _safe_next(target: str | None) -> str:
    """Only a path on this console (never another site: an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, next: str = "/", reason: str | None = None) -> Response:
    return render(request, "signin.html", {"next": _safe_next(next), "reason": reason})


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    email: Annotated[str, Form(min_length=1, max_length=320)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    upstream = Upstream(request.app.state.http, request.app.state.upstream_urls, token=None)
    try:
        answer = await upstream.send(
            "POST",
            "identity",
            "/v1/oauth/token",
            data={"grant_type": "password", "username": email, "password": password},
        )
    except UpstreamError as error:
        status = 401 if error.status in (400, 401) else error.status
        context = {"next": _safe_next(next), "error": error.detail, "email": email}
        return render(request, "signin.html", context, status_code=status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = request.app.state.settings.secure_cookies
    lifetime = int(answer["expires_in"])
    for name, value in ((SESSION_COOKIE, answer["access_token"]), (USER_COOKIE, email)):
        response.set_cookie(
            name,
            value,
            max_age=lifetime,
            httponly=True,
            samesite="strict",
            secure=secure,
            path="/",
        )
    return response


@router.post("/sign-out")
async def sign_out() -> Response:
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(USER_COOKIE, path="/")
    return response

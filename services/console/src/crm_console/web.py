"""What every page shares: the templates, the navigation a role sees, the services' client
for the signed-in person, and how refusals are shown (a page, or an alert for htmx)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from crm_shared.auth.permissions import Permission
from crm_shared.clock import Clock
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from crm_console.session import (
    CrossSiteWrite,
    NotAllowed,
    SignInRequired,
    Viewer,
    ViewerDep,
)
from crm_console.upstream import Upstream, UpstreamError

PACKAGE = Path(__file__).parent
templates = Jinja2Templates(directory=PACKAGE / "templates")


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    permission: Permission


NAVIGATION = (
    NavItem("Customers", "/customers", Permission.CUSTOMERS_READ),
    NavItem("Sales", "/sales", Permission.SALES_READ),
    NavItem("Service", "/service", Permission.SUPPORT_READ),
    NavItem("Marketing", "/marketing", Permission.CAMPAIGNS_READ),
    NavItem("Analytics", "/analytics", Permission.ANALYTICS_READ),
)


def navigation(viewer: Viewer | None) -> list[NavItem]:
    if viewer is None:
        return []
    return [item for item in NAVIGATION if viewer.can(item.permission)]


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """``template`` with the viewer and their navigation (``request.state.viewer``)."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    page = {"viewer": viewer, "navigation": navigation(viewer), "path": request.url.path}
    return templates.TemplateResponse(
        request,
        template,
        {**page, **(context or {})},
        status_code=status_code,
        headers=dict(headers or {}),
    )


async def upstream_for(request: Request, viewer: ViewerDep) -> Upstream:
    http: httpx.AsyncClient = request.app.state.http
    return Upstream(http, request.app.state.upstream_urls, viewer.token)


UpstreamDep = Annotated[Upstream, Depends(upstream_for)]


def today(request: Request) -> date:
    """Today (UTC) by the console's clock: the default period of a report or forecast."""
    clock: Clock = request.app.state.clock
    return clock.now().astimezone(UTC).date()


TodayDep = Annotated[date, Depends(today)]


def _sign_in_url(request: Request, reason: str | None = None) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if is_htmx(request):  # the page the fragment belongs to, not the fragment
        target = urlpath(request.headers.get("hx-current-url", "/"))
    url = f"/sign-in?next={quote(target, safe='')}"
    return url + (f"&reason={quote(reason)}" if reason else "")


def urlpath(url: str) -> str:
    parts = httpx.URL(url)
    return parts.raw_path.decode() or "/"


def alert(request: Request, message: str, status_code: int) -> HTMLResponse:
    """A refusal as an alert in the page's ``#flash`` region (htmx) or as a page."""
    if is_htmx(request):
        return render(
            request,
            "_alert.html",
            {"message": message, "kind": "error"},
            status_code=status_code,
            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"},
        )
    return render(request, "error.html", {"message": message}, status_code=status_code)


def install_error_pages(app: FastAPI) -> None:
    async def sign_in_required(request: Request, error: Exception) -> Response:
        reason = error.reason if isinstance(error, SignInRequired) else None
        url = _sign_in_url(request, reason)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": url})
        if request.method == "GET" and "authorization" not in request.headers:
            return RedirectResponse(url, status_code=303)
        return alert(request, reason or "please sign in", 401)

    async def not_allowed(request: Request, error: Exception) -> Response:
        return alert(request, str(error), 403)

    async def cross_site(request: Request, error: Exception) -> Response:
        return alert(request, "this change did not come from the console's own pages", 403)

    async def upstream_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, UpstreamError)
        if error.status == 401:
            return await sign_in_required(request, SignInRequired("please sign in again"))
        return alert(request, error.detail, error.status)

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(NotAllowed, not_allowed)
    app.add_exception_handler(CrossSiteWrite, cross_site)
    app.add_exception_handler(UpstreamError, upstream_error)

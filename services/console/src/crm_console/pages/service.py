"""The customer-service pages: the ticket queue (nearest due target first, as the support
service orders it) and a ticket's page with its targets, its whole history and the steps it
allows now as buttons, each one a call to the support service."""

from typing import Annotated, Any

from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crm_console.lookups import customer_names
from crm_console.pages import service_views as views
from crm_console.session import Viewer, allowed
from crm_console.upstream import Upstream, UpstreamError
from crm_console.web import UpstreamDep, is_htmx, render

router = APIRouter()

Reader = Annotated[Viewer, allowed(Permission.SUPPORT_READ)]
Writer = Annotated[Viewer, allowed(Permission.SUPPORT_WRITE)]


@router.get("/service", response_class=HTMLResponse)
async def queue(request: Request, viewer: Reader, upstream: UpstreamDep) -> HTMLResponse:
    filters = views.QueueFilters.of(request.query_params)
    team = viewer.principal.team
    page = await upstream.get(
        "support", "/v1/tickets", filters.params(viewer.principal.subject, team)
    )
    names = await customer_names(upstream, (item["customer_id"] for item in page["items"]))
    context = {
        "filters": filters,
        "rows": [views.ticket_row(item, names) for item in page["items"]],
        "next_cursor": page.get("next_cursor"),
        "has_team": team is not None,
        "views": views,
    }
    template = "service/_queue.html" if is_htmx(request) else "service/queue.html"
    return render(request, template, context)


async def _ticket_page(
    request: Request,
    viewer: Viewer,
    upstream: Upstream,
    ticket: dict[str, Any],
    *,
    outcome: str | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The ticket's page, or (htmx) only its working part, with what just happened."""
    context = {
        "ticket": views.ticket_view(ticket, viewer.principal.subject),
        "can_write": viewer.can(Permission.SUPPORT_WRITE),
        "outcome": outcome,
        "refusal": refusal,
        "views": views,
    }
    if is_htmx(request):
        return render(request, "service/_ticket_body.html", context, status_code=status_code)
    names = await customer_names(upstream, [ticket["customer_id"]])
    context["customer_name"] = names.get(ticket["customer_id"])
    return render(request, "service/ticket.html", context, status_code=status_code)


@router.get("/service/tickets/{ticket_id}", response_class=HTMLResponse)
async def ticket_page(
    request: Request, ticket_id: str, viewer: Reader, upstream: UpstreamDep
) -> HTMLResponse:
    ticket = await upstream.get("support", f"/v1/tickets/{ticket_id}")
    return await _ticket_page(request, viewer, upstream, ticket)


@router.post("/service/tickets/{ticket_id}/actions/{action}", response_class=HTMLResponse)
async def take_step(
    request: Request, ticket_id: str, action: str, viewer: Writer, upstream: UpstreamDep
) -> Response:
    """One of the steps the ticket's page offered: the matching support API call, with the
    version the person saw (a ticket changed since is refused, 412, and shown afresh)."""
    endpoint = views.endpoint_of(action)
    if endpoint is None:
        raise HTTPException(404, f"no such step: {action}")
    form = {key: str(value) for key, value in (await request.form()).items()}
    body = views.step_body(endpoint, form.get("to"), form)
    version = form.get("version", "")
    headers = {"If-Match": f'"{version}"'} if version.isdigit() else None
    try:
        ticket = await upstream.send(
            "POST", "support", f"/v1/tickets/{ticket_id}/{endpoint}", json=body, headers=headers
        )
    except UpstreamError as error:
        if error.status in (401, 404):
            raise
        current = await upstream.get("support", f"/v1/tickets/{ticket_id}")
        return await _ticket_page(
            request, viewer, upstream, current, refusal=error.detail, status_code=error.status
        )
    if not is_htmx(request):  # a plain form: show the ticket afresh (post, redirect, get)
        return RedirectResponse(f"/service/tickets/{ticket_id}", status_code=303)
    label = views.ACTION_LABELS.get(action, views.words(action))
    return await _ticket_page(request, viewer, upstream, ticket, outcome=f"Done: {label}.")

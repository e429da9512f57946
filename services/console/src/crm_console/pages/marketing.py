"""Marketing: the campaigns (a page of them, each with its funnel, ROI and A/B variants) from
the marketing service, and the segment builder over analytics' segments (a form mapped onto
the filter language, a live size preview, the saved segments and their members).

Every figure is the services'; the console maps the builder's form onto the filter's JSON
and leaves its validation to analytics (a 422 is shown next to the field it names).
"""

import asyncio
from typing import Annotated, Any
from uuid import UUID

from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crm_console.lookups import csv_download, optional
from crm_console.pages import marketing_filters as filters
from crm_console.pages import marketing_views as views
from crm_console.session import Viewer, allowed
from crm_console.upstream import UpstreamError
from crm_console.web import UpstreamDep, is_htmx, render

router = APIRouter()

CampaignReader = Annotated[Viewer, allowed(Permission.CAMPAIGNS_READ)]
SegmentReader = Annotated[Viewer, allowed(Permission.ANALYTICS_READ)]
SegmentWriter = Annotated[Viewer, allowed(Permission.SEGMENTS_WRITE)]
CAMPAIGNS_PAGE = 20
SEGMENTS_PAGE = 25
MEMBERS_PAGE = 25
STATUSES = ("draft", "scheduled", "running", "paused", "stopped", "completed")


# --- campaigns -------------------------------------------------------------------------------


@router.get("/marketing", response_class=HTMLResponse)
async def campaigns(
    request: Request,
    viewer: CampaignReader,
    upstream: UpstreamDep,
    status: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    chosen = status if status in STATUSES else None
    page = await upstream.get(
        "marketing",
        "/v1/campaigns",
        {"limit": CAMPAIGNS_PAGE, "cursor": cursor, "status": chosen},
    )
    # The key figures of the page's campaigns, read together.
    results = await asyncio.gather(
        *(
            optional(upstream.get("marketing", f"/v1/campaigns/{item['id']}/results"))
            for item in page["items"]
        )
    )
    rows = [
        views.CampaignRow(item, found) for item, found in zip(page["items"], results, strict=True)
    ]
    context = {
        "rows": rows,
        "next_cursor": page.get("next_cursor"),
        "cursor": cursor,
        "status": chosen,
        "statuses": STATUSES,
        "views": views,
    }
    return render(request, "marketing/campaigns.html", context)


@router.get("/marketing/campaigns/{campaign_id}", response_class=HTMLResponse)
async def campaign(
    request: Request, campaign_id: UUID, viewer: CampaignReader, upstream: UpstreamDep
) -> HTMLResponse:
    found, results = await asyncio.gather(
        upstream.get("marketing", f"/v1/campaigns/{campaign_id}"),
        upstream.get("marketing", f"/v1/campaigns/{campaign_id}/results"),
    )
    segment = None
    if viewer.can(Permission.ANALYTICS_READ):
        segment = await optional(upstream.get("analytics", f"/v1/segments/{found['segment_id']}"))
    stages = views.funnel_stages(results, found["channel"])
    context = {
        "campaign": found,
        "results": results,
        "segment": segment,
        "stages": stages,
        "funnel": views.funnel_option(stages),
        "variants": views.variant_table(found, results),
        "views": views,
    }
    return render(request, "marketing/campaign.html", context)


@router.get("/marketing/campaigns/{campaign_id}/results.csv")
async def campaign_results_csv(
    campaign_id: UUID, viewer: CampaignReader, upstream: UpstreamDep
) -> Response:
    return await csv_download(
        upstream,
        "marketing",
        f"/v1/campaigns/{campaign_id}/results",
        f"campaign-{campaign_id}-results.csv",
        {"format": "csv"},
    )


# --- segments --------------------------------------------------------------------------------


@router.get("/marketing/segments", response_class=HTMLResponse)
async def segments(
    request: Request, viewer: SegmentReader, upstream: UpstreamDep, cursor: str | None = None
) -> HTMLResponse:
    page = await upstream.get(
        "analytics", "/v1/segments", {"limit": SEGMENTS_PAGE, "cursor": cursor}
    )
    context = {
        "segments": page["items"],
        "next_cursor": page.get("next_cursor"),
        "cursor": cursor,
        "can_write": viewer.can(Permission.SEGMENTS_WRITE),
    }
    return render(request, "marketing/segments.html", context)


def _builder(
    request: Request,
    fields: list[dict[str, Any]],
    form: filters.FormValues | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "fields": {entry["field"]: entry for entry in fields},
        "sections": filters.SECTIONS,
        "filters": filters,
        "form": form,
        "errors": errors or {},
        "form_problem": problem,
        "size": None,
    }
    return render(request, "marketing/segment_new.html", context, status_code=status_code)


@router.get("/marketing/segments/new", response_class=HTMLResponse)
async def segment_builder(
    request: Request, viewer: SegmentWriter, upstream: UpstreamDep
) -> HTMLResponse:
    return _builder(request, await upstream.get("analytics", "/v1/segments/fields"))


async def _form(request: Request) -> filters.FormValues:
    form = await request.form()
    return filters.FormValues((key, str(value)) for key, value in form.multi_items())


@router.post("/marketing/segments/preview", response_class=HTMLResponse)
async def segment_preview(
    request: Request, viewer: SegmentReader, upstream: UpstreamDep
) -> HTMLResponse:
    """How many customers the builder's filter selects now (analytics' preview, a read
    sent as a POST because the filter is a body); a fragment for the live region."""
    mapped = filters.filter_of(await _form(request))
    if mapped.empty:
        return render(request, "marketing/_segment_size.html", {"size": None})
    try:
        answer = await upstream.send(
            "POST", "analytics", "/v1/segments/preview", json={"filter": mapped.filter}
        )
    except UpstreamError as error:
        if error.status != 422:
            raise
        context = {"size": None, "problem": error.detail, "errors": _labelled(error, mapped)}
        return render(request, "marketing/_segment_size.html", context)
    return render(request, "marketing/_segment_size.html", {"size": answer["size"]})


def _labelled(error: UpstreamError, mapped: filters.MappedFilter) -> dict[str, str]:
    found = filters.field_errors(error.errors, mapped)
    return {filters.label(name): message for name, message in found.items()}


@router.post("/marketing/segments", response_class=HTMLResponse)
async def save_segment(request: Request, viewer: SegmentWriter, upstream: UpstreamDep) -> Response:
    form = await _form(request)
    mapped = filters.filter_of(form)
    body: dict[str, Any] = {"name": form.one("name"), "filter": mapped.filter}
    if form.one("description"):
        body["description"] = form.one("description")
    try:
        saved = await upstream.send("POST", "analytics", "/v1/segments", json=body)
    except UpstreamError as error:
        if error.status != 422:
            raise
        fields = await upstream.get("analytics", "/v1/segments/fields")
        errors = filters.field_errors(error.errors, mapped)
        problem = None if error.errors else error.detail
        return _builder(request, fields, form, errors, problem, status_code=422)
    return RedirectResponse(f"/marketing/segments/{saved['id']}", status_code=303)


@router.get("/marketing/segments/{segment_id}", response_class=HTMLResponse)
async def segment(
    request: Request,
    segment_id: UUID,
    viewer: SegmentReader,
    upstream: UpstreamDep,
    cursor: str | None = None,
) -> HTMLResponse:
    found, members = await asyncio.gather(
        upstream.get("analytics", f"/v1/segments/{segment_id}"),
        upstream.get(
            "analytics",
            f"/v1/segments/{segment_id}/members",
            {"limit": MEMBERS_PAGE, "cursor": cursor},
        ),
    )
    context = {
        "segment": found,
        "parts": filters.in_parts(found["filter"]),
        "members": members["items"],
        "next_cursor": members.get("next_cursor"),
        "cursor": cursor,
    }
    template = "marketing/_members.html" if is_htmx(request) else "marketing/segment.html"
    return render(request, template, context)


@router.get("/marketing/segments/{segment_id}/members.csv")
async def segment_members_csv(
    segment_id: UUID, viewer: SegmentReader, upstream: UpstreamDep
) -> Response:
    return await csv_download(
        upstream, "analytics", f"/v1/segments/{segment_id}/members.csv", f"segment-{segment_id}.csv"
    )

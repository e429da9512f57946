"""Sales pages: the pipeline board (move an opportunity by dragging its card or with its
"Move to" form), my activities due today and overdue, the forecast by owner.

Every figure is the sales service's (``/v1/pipeline`` weighs the columns, ``/v1/forecast``
the owners); every move is its ``PATCH /v1/opportunities/{id}`` with the card's version as
``If-Match``, so the service's rules (lost needs a reason, won and lost never swap) decide.
"""

import asyncio
import json
import uuid
from typing import Annotated, Any

from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crm_console.lookups import customer_names
from crm_console.pages import sales_views as views
from crm_console.session import Viewer, allowed
from crm_console.upstream import Upstream, UpstreamError
from crm_console.web import TodayDep, UpstreamDep, is_htmx, render

router = APIRouter()

Reader = Annotated[Viewer, allowed(Permission.SALES_READ)]
Writer = Annotated[Viewer, allowed(Permission.SALES_WRITE)]
CurrencyQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")]
# One page of cards per column: a board is for working, a list for finding.
CARDS_PER_COLUMN = 25
# At most this many customers' names are looked up for one board.
NAMES_PER_BOARD = 60
ACTIVITIES_PER_LIST = 50
SUBNAV = (
    ("Pipeline", "/sales"),
    ("My activities", "/sales/activities"),
    ("Forecast", "/sales/forecast"),
)


def _page(request: Request, template: str, context: dict[str, Any], **kwargs: Any) -> Response:
    return render(request, template, {"subnav": SUBNAV, **context}, **kwargs)


async def _board(upstream: Upstream, viewer: Viewer, currency: str | None) -> views.Board:
    stages = [s for s in views.STAGE_LABELS if s not in views.CLOSED_STAGES]
    pipeline, *pages = await asyncio.gather(
        upstream.get("sales", "/v1/pipeline", {"currency": currency}),
        *(
            upstream.get(
                "sales",
                "/v1/opportunities",
                {
                    "stage": stage,
                    "state": "open",
                    "currency": currency,
                    "sort": "expected_close_date",
                    "limit": CARDS_PER_COLUMN,
                },
            )
            for stage in stages
        ),
    )
    by_stage = dict(zip(stages, pages, strict=True))
    names = await customer_names(
        upstream, views.customer_ids(pages), service="sales", at_most=NAMES_PER_BOARD
    )
    return views.board_of(pipeline, by_stage, names, viewer.principal.subject)


@router.get("/sales", response_class=HTMLResponse)
async def board(
    request: Request, viewer: Reader, upstream: UpstreamDep, currency: CurrencyQuery = None
) -> Response:
    found = await _board(upstream, viewer, currency)
    context = {
        "board": found,
        "currency": currency,
        "can_move": viewer.can(Permission.SALES_WRITE),
        "loss_reasons": views.LOSS_REASONS,
    }
    if is_htmx(request):
        return _page(request, "sales/_board.html", context)
    return _page(request, "sales/board.html", context)


def _lost_form(
    request: Request,
    opportunity_id: str,
    version: int,
    currency: str | None,
    *,
    reason: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The question "why was it lost?": in the board's dialog (htmx), or as a page."""
    context = {
        "opportunity_id": opportunity_id,
        "version": version,
        "currency": currency,
        "reason": reason,
        "error": error,
        "loss_reasons": views.LOSS_REASONS,
        "reason_max": views.LOSS_REASON_MAX,
        "in_dialog": is_htmx(request),
    }
    if is_htmx(request):
        return _page(
            request,
            "sales/_lost_form.html",
            context,
            status_code=status_code,
            headers={
                "HX-Retarget": "#lost-dialog-body",
                "HX-Reswap": "innerHTML",
                "HX-Trigger-After-Settle": "sales-ask-reason",
            },
        )
    return _page(request, "sales/lost_reason.html", context, status_code=status_code)


@router.post("/sales/opportunities/{opportunity_id}/stage", response_class=HTMLResponse)
async def move_opportunity(
    request: Request,
    opportunity_id: uuid.UUID,
    viewer: Writer,
    upstream: UpstreamDep,
    stage: Annotated[str, Form(pattern="^[a-z_]{1,40}$")],
    version: Annotated[int, Form(ge=0)],
    loss_reason: Annotated[str, Form(max_length=views.LOSS_REASON_MAX)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
    asked: Annotated[bool, Form()] = False,
) -> Response:
    """Moves a card: ``PATCH`` with the card's version. Lost first asks for the reason (the
    form's required field; the service would refuse it without one)."""
    target = str(opportunity_id)
    reason = loss_reason.strip()
    if stage == "lost" and not reason:
        error = "Say why the opportunity was lost." if asked else None
        return _lost_form(request, target, version, currency or None, error=error)
    body: dict[str, Any] = {"stage": stage}
    if stage == "lost":
        body["loss_reason"] = reason
    try:
        moved = await upstream.send(
            "PATCH",
            "sales",
            f"/v1/opportunities/{target}",
            json=body,
            headers={"If-Match": f'"{version}"'},
        )
    except UpstreamError as refused:
        if stage != "lost" or refused.status == 401:
            raise  # an alert in the page's #flash (or the error page)
        # The dialog is modal: the service's answer is shown in it, next to the reason.
        return _lost_form(
            request,
            target,
            version,
            currency or None,
            reason=reason,
            error=refused.detail,
            status_code=refused.status,
        )
    name = (moved or {}).get("name") or "The opportunity"
    message = f"{name} moved to {views.stage_label(stage)}."
    if not is_htmx(request):
        query = f"?currency={currency}" if currency else ""
        return RedirectResponse(f"/sales{query}", status_code=303)
    found = await _board(upstream, viewer, currency or None)
    return _page(
        request,
        "sales/_board.html",
        {
            "board": found,
            "currency": currency or None,
            "can_move": True,
            "moved": message,
            "loss_reasons": views.LOSS_REASONS,
        },
        headers={
            "HX-Retarget": "#board",
            "HX-Reswap": "outerHTML",
            # After the swap, so that the script can focus the moved card again.
            "HX-Trigger-After-Settle": json.dumps({"sales-moved": {"opportunity": target}}),
        },
    )


async def _activities(
    upstream: Upstream, viewer: Viewer, tz: str
) -> tuple[list[views.ActivityRow], list[views.ActivityRow]]:
    common: dict[str, str | int] = {
        "owner": viewer.principal.subject,
        "done": "false",
        "tz": tz,
        "limit": ACTIVITIES_PER_LIST,
    }
    overdue, today = await asyncio.gather(
        upstream.get("sales", "/v1/activities", {**common, "due": "overdue"}),
        upstream.get("sales", "/v1/activities", {**common, "due": "today"}),
    )
    names = await customer_names(
        upstream, views.customer_ids([overdue, today]), service="sales", at_most=NAMES_PER_BOARD
    )
    return views.activities_of(overdue, today, names)


TimeZoneQuery = Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")]


@router.get("/sales/activities", response_class=HTMLResponse)
async def activities(
    request: Request, viewer: Reader, upstream: UpstreamDep, tz: TimeZoneQuery = "UTC"
) -> Response:
    overdue, today = await _activities(upstream, viewer, tz)
    context = {
        "overdue": overdue,
        "today": today,
        "tz": tz,
        "can_complete": viewer.can(Permission.SALES_WRITE),
    }
    template = "sales/_activities.html" if is_htmx(request) else "sales/activities.html"
    return _page(request, template, context)


@router.post("/sales/activities/{activity_id}/complete", response_class=HTMLResponse)
async def complete_activity(
    request: Request,
    activity_id: uuid.UUID,
    viewer: Writer,
    upstream: UpstreamDep,
    version: Annotated[int, Form(ge=0)],
    outcome: Annotated[str, Form(max_length=4000)] = "",
    tz: Annotated[str, Form(max_length=64)] = "UTC",
) -> Response:
    done = await upstream.send(
        "POST",
        "sales",
        f"/v1/activities/{activity_id}/complete",
        json={"outcome": outcome.strip() or None},
        headers={"If-Match": f'"{version}"', "Idempotency-Key": str(uuid.uuid4())},
    )
    if not is_htmx(request):
        return RedirectResponse(f"/sales/activities?tz={tz}", status_code=303)
    overdue, today = await _activities(upstream, viewer, tz)
    subject = (done or {}).get("subject") or "The activity"
    return _page(
        request,
        "sales/_activities.html",
        {
            "overdue": overdue,
            "today": today,
            "tz": tz,
            "can_complete": True,
            "done_message": f"Done: {subject}.",
        },
    )


PeriodQuery = Annotated[str | None, Query(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2]|[Qq][1-4])$")]


@router.get("/sales/forecast", response_class=HTMLResponse)
async def forecast(
    request: Request,
    viewer: Reader,
    upstream: UpstreamDep,
    today: TodayDep,
    period: PeriodQuery = None,
    currency: CurrencyQuery = None,
) -> Response:
    chosen = (period or views.quarter_of(today)).upper()
    found = await upstream.get(
        "sales",
        "/v1/forecast",
        {"period": chosen, "group_by": "owner", "currency": currency},
    )
    me = viewer.principal.subject
    lines = [views.forecast_line(row, me) for row in found["groups"]]
    total = views.forecast_line(found["total"], me, whole=True)
    return _page(
        request,
        "sales/forecast.html",
        {
            "forecast": found,
            "lines": lines,
            "total": total,
            "period": chosen,
            "periods": views.periods_around(today),
            "chart_option": views.forecast_chart(lines, found["currency"]),
            "chart_rows": views.forecast_rows([*lines, total]),
        },
    )

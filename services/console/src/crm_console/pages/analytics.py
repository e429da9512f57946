"""Analytics pages: an overview and one page per report of the analytics service (RFM grid,
ABC Pareto curve, churn rate over time, who is about to leave and why, satisfaction by
department and item), each chart with its figures as a table and a CSV download.

Every figure comes from ``GET /v1/reports/...`` of the analytics service with the person's
token; the CSV downloads pass the service's own CSV through. The shaping into charts is in
:mod:`crm_console.pages.analytics_views`."""

import asyncio
from collections.abc import Awaitable
from enum import StrEnum
from typing import Annotated, Any

from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crm_console.lookups import csv_download, customer_names
from crm_console.pages import analytics_views as views
from crm_console.session import Viewer, allowed
from crm_console.upstream import Params, Upstream, UpstreamError
from crm_console.web import TodayDep, UpstreamDep, is_htmx, render

router = APIRouter(prefix="/analytics")

Reader = Annotated[Viewer, allowed(Permission.ANALYTICS_READ)]
Manager = Annotated[Viewer, allowed(Permission.ANALYTICS_MANAGE)]
# The report periods' forms (2026-03, 2026-Q1, 2026-W05); the service judges the rest.
PERIOD_PATTERN = r"^[0-9]{4}-(W[0-9]{2}|Q[1-4]|[0-9]{2})$"
PeriodQuery = Annotated[
    str | None, Query(max_length=20, description="2026-03, 2026-Q1 or 2026-W05")
]
SeriesQuery = Annotated[int, Query(ge=1, le=24, description="How many periods the series has")]
DepartmentQuery = Annotated[str | None, Query(max_length=100)]
RiskLimitQuery = Annotated[int, Query(ge=1, le=1000, description="How many customers a page")]
OVERVIEW_SERIES = 12
OVERVIEW_AT_RISK = 5


class Report(StrEnum):
    """The reports a page shows, as the analytics service names them."""

    RFM = "rfm"
    ABC = "abc"
    CHURN = "churn"
    CSI = "csi"
    AT_RISK = "at-risk"


def _path(report: Report) -> str:
    return f"/v1/reports/{report.value}"


async def _reports(*calls: Awaitable[Any]) -> list[Any]:
    """The answers, asked for at once; a report the service refused is its
    :class:`UpstreamError` (the page says so in its place), but an ended session is raised
    (the person signs in again)."""
    answers = await asyncio.gather(*calls, return_exceptions=True)
    for answer in answers:
        if isinstance(answer, UpstreamError) and answer.status == 401:
            raise answer
        if isinstance(answer, BaseException) and not isinstance(answer, UpstreamError):
            raise answer
    return list(answers)


def _show(request: Request, template: str, context: dict[str, Any]) -> Response:
    # The templates format the figures with the view module's helpers.
    return render(request, template, {**context, "views": views})


def _page(request: Request, template: str, fragment: str, context: dict[str, Any]) -> Response:
    """The whole page, or only its report for an htmx filter (the form's target)."""
    return _show(request, fragment if is_htmx(request) else template, context)


@router.get("", response_class=HTMLResponse)
async def overview(
    request: Request,
    viewer: Reader,
    upstream: UpstreamDep,
    today: TodayDep,
    rescored: Annotated[int | None, Query(ge=0)] = None,
    changed: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """``rescored``/``changed``: what a rescoring just now did (the form below redirects
    here), said at the top of the page."""
    churn_period = views.last_complete_month(today)
    csi_period = views.this_month(today)
    rfm, abc, at_risk, churn, csi = await _reports(
        upstream.get("analytics", _path(Report.RFM)),
        upstream.get("analytics", _path(Report.ABC)),
        upstream.get("analytics", _path(Report.AT_RISK), {"limit": OVERVIEW_AT_RISK}),
        upstream.get(
            "analytics",
            _path(Report.CHURN),
            {"period": churn_period, "periods": OVERVIEW_SERIES},
        ),
        upstream.get("analytics", _path(Report.CSI), {"period": csi_period}),
    )
    context: dict[str, Any] = {
        "section": "overview",
        "rfm": rfm,
        "abc": abc,
        "at_risk": at_risk,
        "churn": churn,
        "csi": csi,
        "churn_period": churn_period,
        "csi_period": csi_period,
        "can_rescore": viewer.can(Permission.ANALYTICS_MANAGE),
        "rescored": rescored,
        "changed": changed,
    }
    if isinstance(churn, dict):
        context["churn_chart"] = views.churn_line(churn)
    if isinstance(at_risk, dict):
        names = await customer_names(upstream, views.at_risk_ids(at_risk))
        context["riskiest"] = views.at_risk_customers(at_risk, names)
        context["levels"] = views.risk_levels(at_risk)
    if isinstance(abc, dict):
        context["classes"] = views.abc_classes(abc)
    if isinstance(rfm, dict):
        context["segments"] = views.rfm_segments(rfm)[:3]
    return _show(request, "analytics/overview.html", context)


@router.post("/rescore")
async def rescore(viewer: Manager, upstream: UpstreamDep) -> Response:
    """Rescore every customer now (analytics' full scoring run: new RFM edges and ABC
    thresholds), then back to the overview, which says what it did."""
    run = await upstream.send("POST", "analytics", "/v1/scores/run", json={}) or {}
    query = f"rescored={int(run.get('customers', 0))}&changed={int(run.get('changed', 0))}"
    return RedirectResponse(f"/analytics?{query}", status_code=303)


@router.get("/rfm", response_class=HTMLResponse)
async def rfm_page(request: Request, viewer: Reader, upstream: UpstreamDep) -> Response:
    report = await upstream.get("analytics", _path(Report.RFM))
    context = {
        "section": "rfm",
        "report": report,
        "chart": views.rfm_heatmap(report),
        "segments": views.rfm_segments(report),
    }
    return _show(request, "analytics/rfm.html", context)


@router.get("/abc", response_class=HTMLResponse)
async def abc_page(request: Request, viewer: Reader, upstream: UpstreamDep) -> Response:
    report = await upstream.get("analytics", _path(Report.ABC))
    context = {
        "section": "abc",
        "report": report,
        "chart": views.abc_pareto(report),
        "classes": views.abc_classes(report),
        "value": views.money(report.get("value")),
    }
    return _show(request, "analytics/abc.html", context)


async def _period_report(
    upstream: Upstream, report: Report, params: Params
) -> tuple[dict[str, Any] | None, str | None]:
    """The report, or (None, why) when the service refused the period asked for (422): the
    form shows why beside itself."""
    try:
        return await upstream.get("analytics", _path(report), params), None
    except UpstreamError as error:
        if error.status != 422:
            raise
        return None, error.detail


@router.get("/churn", response_class=HTMLResponse)
async def churn_page(
    request: Request,
    viewer: Reader,
    upstream: UpstreamDep,
    today: TodayDep,
    period: PeriodQuery = None,
    periods: SeriesQuery = OVERVIEW_SERIES,
) -> Response:
    period = period or views.last_complete_month(today)
    report, problem = await _period_report(
        upstream, Report.CHURN, {"period": period, "periods": periods}
    )
    context: dict[str, Any] = {
        "section": "churn",
        "period": period,
        "periods": periods,
        "groups": views.period_groups(today, period),
        "series_choices": sorted({*views.CHURN_SERIES_CHOICES, periods}),
        "problem": problem,
        "report": report,
    }
    if report is not None:
        context["chart"] = views.churn_line(report)
        context["reasons"] = views.churn_reasons(report)
        context["reasons_href"] = views.csv_href("churn", period=period, periods=periods)
    return _page(request, "analytics/churn.html", "analytics/_churn_report.html", context)


@router.get("/at-risk", response_class=HTMLResponse)
async def at_risk_page(
    request: Request,
    viewer: Reader,
    upstream: UpstreamDep,
    limit: RiskLimitQuery = views.RISK_PAGE_SIZES[0],
) -> Response:
    report = await upstream.get("analytics", _path(Report.AT_RISK), {"limit": limit})
    names = await customer_names(upstream, views.at_risk_ids(report))
    context = {
        "section": "at-risk",
        "limit": limit,
        "sizes": sorted({*views.RISK_PAGE_SIZES, limit}),
        "levels": views.risk_levels(report),
        "chart": views.risk_reasons_chart(report, limit),
        "customers": views.at_risk_customers(report, names),
        "csv": views.csv_href("at-risk", limit=limit),
    }
    return _page(request, "analytics/at_risk.html", "analytics/_at_risk_report.html", context)


@router.get("/csi", response_class=HTMLResponse)
async def csi_page(
    request: Request,
    viewer: Reader,
    upstream: UpstreamDep,
    today: TodayDep,
    period: PeriodQuery = None,
    department: DepartmentQuery = None,
) -> Response:
    period = period or views.this_month(today)
    department = (department or "").strip() or None
    report, problem = await _period_report(
        upstream, Report.CSI, {"period": period, "department": department}
    )
    href = views.csv_href("csi", period=period, department=department)
    context: dict[str, Any] = {
        "section": "csi",
        "period": period,
        "department": department or "",
        "groups": views.period_groups(today, period),
        "problem": problem,
        "report": report,
    }
    if report is not None:
        context["by_department"] = views.csi_by_department(report, href)
        context["by_item"] = views.csi_by_item(report, href)
        context["overall"] = report["overall"]
    return _page(request, "analytics/csi.html", "analytics/_csi_report.html", context)


@router.get("/reports/{report}.csv")
async def report_csv(
    report: Report,
    viewer: Reader,
    upstream: UpstreamDep,
    today: TodayDep,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
    periods: Annotated[int | None, Query(ge=1, le=24)] = None,
    department: DepartmentQuery = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> Response:
    """The analytics service's own CSV of ``report`` (long form), as a download: the console
    only forwards it, with the person's token."""
    params: dict[str, Any] = {"format": "csv"}
    if report in (Report.CHURN, Report.CSI):
        default = views.last_complete_month(today) if report is Report.CHURN else None
        params["period"] = period or default or views.this_month(today)
    if report is Report.CHURN:
        params["periods"] = periods
    if report is Report.CSI:
        params["department"] = department
    if report is Report.AT_RISK:
        params["limit"] = limit
    name = "-".join(str(part) for part in (report.value, params.get("period")) if part)
    return await csv_download(upstream, "analytics", _path(report), f"{name}.csv", params)

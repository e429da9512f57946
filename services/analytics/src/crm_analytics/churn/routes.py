"""GET /v1/models/churn, POST /v1/models/churn/fit and GET /v1/reports/churn."""

from typing import Annotated

from crm_shared.api.auth import requires
from crm_shared.api.deps import SessionDep, UnitOfWorkDep
from crm_shared.api.openapi import problem_responses
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.csv_export import CSV_MEDIA_TYPE, csv_text
from crm_shared.long_csv import ReportFormat, wants_csv
from fastapi import APIRouter, Body, Header, Query, Response

from crm_analytics.churn import service
from crm_analytics.churn.rules import NOT_RECORDED
from crm_analytics.churn.schemas import ChurnModelOut, ChurnReport, FitRequest
from crm_analytics.reporting import CSV_COLUMNS, PERIOD_FORMS
from crm_analytics.web import SettingsDep

router = APIRouter()

CSV_EXAMPLE = (
    "section,dimension,key,metric,value\r\n"
    "churn,period,2026-Q1,customers_at_start,120\r\n"
    "churn,period,2026-Q1,churn_rate_percent,7.5\r\n"
    "reasons,reason,indifference,total,6\r\n"
)

PeriodQuery = Annotated[
    str, Query(max_length=20, description=PERIOD_FORMS, examples=["2026-Q1", "2026-03"])
]
FormatQuery = Annotated[
    ReportFormat | None,
    Query(alias="format", description="json or csv; else the Accept header decides"),
]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]
CSV_RESPONSE = {
    "description": "The report: JSON, or CSV in long format",
    "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}},
}


@router.get(
    "/v1/models/churn",
    tags=["models"],
    dependencies=[requires(Permission.ANALYTICS_READ)],
    response_model=ChurnModelOut,
    summary="The newest churn decision tree: its rules and figures",
    responses=problem_responses(404, s404="No churn model has been fitted yet"),
)
async def get_churn_model(session: SessionDep) -> Response:
    return json_response(service.model_out(await service.newest_model(session)))


@router.post(
    "/v1/models/churn/fit",
    tags=["models"],
    dependencies=[requires(Permission.ANALYTICS_MANAGE)],
    response_model=ChurnModelOut,
    summary="Learn the churn decision tree from the history now",
    description="Customers who had bought (orders not cancelled, aliases counted for their "
    "survivor) before the cut = `as_of` - CRM_ANALYTICS_CHURN_HORIZON_DAYS are labelled "
    "churned when they did not buy between the cut and `as_of`. Features as of the cut: days "
    "since the last purchase, the usual days between purchases (with one purchase: the days "
    "since it), orders and spend in the CRM_ANALYTICS_CHURN_TREND_DAYS before the cut and in "
    "as many days before those, complaints received and still open, SLA breaches, the mean "
    "survey score (3 without a survey). A scikit-learn decision tree (depth "
    "CRM_ANALYTICS_CHURN_TREE_MAX_DEPTH, leaves of at least "
    "CRM_ANALYTICS_CHURN_TREE_MIN_SAMPLES_LEAF customers) is measured on a 25 % held-out "
    "split, then learnt from every customer and stored as the newest model. Refused (409, "
    "`not-enough-history`, with the counts) below CRM_ANALYTICS_CHURN_MIN_CUSTOMERS "
    "customers or CRM_ANALYTICS_CHURN_MIN_PER_CLASS churned or stayed ones.",
    responses=problem_responses(
        409,
        422,
        s409="Not enough history: too few customers, churned or stayed (the counts given)",
        s422="An as_of after today, or an invalid body",
    ),
)
async def fit_churn_model(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    request: Annotated[FitRequest | None, Body()] = None,
) -> Response:
    model = await service.fit_model(uow, settings, request.as_of if request else None)
    answer = service.model_out(model)
    await uow.commit()
    return json_response(answer)


@router.get(
    "/v1/reports/churn",
    tags=["reports"],
    dependencies=[requires(Permission.ANALYTICS_READ)],
    response_model=ChurnReport,
    summary="Churn rate of a period, its series, and why customers left (JSON or CSV)",
    description="A customer is active at an instant if they bought (an order not cancelled; "
    "aliases count for their survivor) within CRM_ANALYTICS_CHURN_ACTIVE_WINDOW_DAYS (365) "
    "days before it. `customers_at_start`: active at the period's start; `lost`: of them, "
    "not active at its end; churn rate = lost / customers at start * 100 %; "
    "`new_customers`: first purchase ever within the period. `series`: the same figures for "
    "the `periods` periods up to this one (oldest first, this one last). `reasons`: the "
    "reasons recorded in the period (with each lifecycle change to lost, and each lost "
    f"opportunity's loss reason; none: `{NOT_RECORDED}`), counted per reason (trimmed, "
    "lowercased), beside DOMAIN.md's reference shares (CRM_ANALYTICS_CHURN_REASON_SHARES). "
    "Periods run midnight to midnight UTC. CSV (`format=csv`, or `Accept: text/csv`): "
    "columns section, dimension, key, metric, value; an empty value cannot be measured.",
    responses={
        200: CSV_RESPONSE,
        **problem_responses(422, s422=f"A period that is not {PERIOD_FORMS}"),
    },
)
async def churn_report(
    session: SessionDep,
    settings: SettingsDep,
    period: PeriodQuery,
    periods: Annotated[int, Query(ge=1, le=24, description="Length of the series")] = 4,
    chosen: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    report = await service.churn_report(session, settings, period, periods)
    # The answer depends on Accept: a cache must not serve one form for the other.
    if not wants_csv(chosen, accept):
        return json_response(report, headers={"Vary": "Accept"})
    return Response(
        csv_text(CSV_COLUMNS, service.csv_rows(report)),
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="churn-{report.period.label}.csv"',
            "Vary": "Accept",
        },
    )

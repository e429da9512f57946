"""``GET /v1/reports/...``: the analytical reports (RFM, ABC and the business's questions),
each as JSON or as a long CSV (section, key, metric, value)."""

from typing import Annotated, Any

from crm_shared.api.auth import requires
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.api.openapi import problem_responses
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.csv_export import CSV_MEDIA_TYPE, csv_text
from crm_shared.long_csv import CSV_COLUMNS, ReportFormat, long_rows, wants_csv
from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel

from crm_analytics.reports import composition, questions, service
from crm_analytics.reports.rules import PERIOD_FORMS
from crm_analytics.reports.schemas import (
    AbcReport,
    AtRiskReport,
    BestBy,
    BestCustomersReport,
    CampaignReport,
    CompositionReport,
    CustomerYieldReport,
    DissatisfactionReport,
    LostSalesReport,
    RfmReport,
    ScorecardReport,
    YieldOrder,
)
from crm_analytics.web import SettingsDep

router = APIRouter(
    prefix="/v1/reports", tags=["reports"], dependencies=[requires(Permission.ANALYTICS_READ)]
)

CSV_EXAMPLE = (
    "section,key,metric,value\r\ngrid,5/5,customers,12\r\ngrid,5/5,mean_monetary,420.00\r\n"
)
CSV_ANSWER = {
    "description": "The report: JSON, or CSV in long form (section, key, metric, value)",
    "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}},
}
FORMS = "JSON, or CSV with `format=csv` or `Accept: text/csv` (columns section, key, metric, "
FORMS += "value; a list's rows keyed by their identifying fields; an empty value is none)."
PERIODIC = {200: CSV_ANSWER, **problem_responses(422, s422=f"A period that is not {PERIOD_FORMS}")}
SNAPSHOT = {200: CSV_ANSWER, **problem_responses(422)}

Period = Annotated[
    str, Query(max_length=20, description=PERIOD_FORMS, examples=["2026-12", "2026-Q4"])
]
Currency = Annotated[
    str | None,
    Query(
        pattern="^[A-Z]{3}$",
        description="ISO 4217; the setting currency (CRM_ANALYTICS_CURRENCY) if absent",
    ),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="How many customers to list")]
Chosen = Annotated[
    ReportFormat | None,
    Query(alias="format", description="json or csv; else the Accept header decides"),
]
Accept = Annotated[str | None, Header(include_in_schema=False)]


def answer(report: BaseModel, name: str, chosen: ReportFormat | None, accept: str | None) -> Any:
    # The answer depends on Accept: a cache must not serve one form for the other.
    if not wants_csv(chosen, accept):
        return json_response(report, headers={"Vary": "Accept"})
    return Response(
        csv_text(CSV_COLUMNS, long_rows(report)),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Vary": "Accept"},
    )


@router.get(
    "/rfm",
    response_model=RfmReport,
    summary="RFM: the 5 x 5 recency x frequency grid and the named segments",
    description="From the scores of the last scoring run: per cell of R (recency score, 5 the "
    "most recent) x F (frequency score), the customers, their mean monetary total and how "
    "many of them are in each named segment (the segment map as applied); per named "
    "segment, customers, share, summed and mean monetary total; the quintile edges of the "
    "last full run. " + FORMS,
    responses=SNAPSHOT,
)
async def rfm(uow: UnitOfWorkDep, chosen: Chosen = None, accept: Accept = None) -> Response:
    return answer(await service.rfm_report(uow), "rfm", chosen, accept)


@router.get(
    "/abc",
    response_model=AbcReport,
    summary="ABC (Pareto): the classes by value and the Pareto curve",
    description="From the scores of the last scoring run, over the value window: per class, "
    "customers and share of customers, value and share of value; the Pareto curve (share of "
    "customers, highest value first, vs the share of all value they hold: the origin and "
    "one point a percentile); the least value of each class in the last full run. " + FORMS,
    responses=SNAPSHOT,
)
async def abc(uow: UnitOfWorkDep, chosen: Chosen = None, accept: Accept = None) -> Response:
    return answer(await service.abc_report(uow), "abc", chosen, accept)


@router.get(
    "/best-customers",
    response_model=BestCustomersReport,
    summary="Who are our best customers: the top N by value, CLV or spend",
    description="The `limit` customers of highest window value (`by=value`, the ABC value), "
    "predicted lifetime value (`by=clv`) or all-time spend (`by=monetary`), ties by id, with "
    "their RFM segment, ABC class and value class. " + FORMS,
    responses=SNAPSHOT,
)
async def best_customers(
    uow: UnitOfWorkDep,
    by: Annotated[BestBy, Query(description="What ranks them")] = BestBy.VALUE,
    limit: Limit = 50,
    chosen: Chosen = None,
    accept: Accept = None,
) -> Response:
    report = await service.best_customers(uow, by, limit)
    return answer(report, "best-customers", chosen, accept)


@router.get(
    "/at-risk",
    response_model=AtRiskReport,
    summary="Which customers are about to leave and why",
    description="Customers per churn level; over the high and medium ones, how many give "
    "each reason; the `limit` of highest churn-risk score with their reasons (from the last "
    "scoring run). " + FORMS,
    responses=SNAPSHOT,
)
async def at_risk(
    uow: UnitOfWorkDep, limit: Limit = 100, chosen: Chosen = None, accept: Accept = None
) -> Response:
    return answer(await service.at_risk(uow, limit), "at-risk", chosen, accept)


@router.get(
    "/lost-sales",
    response_model=LostSalesReport,
    summary="Why did customers not buy: lost opportunities and refused quotes",
    description="Over the opportunities lost in the period (per loss reason and per "
    "competitor, per currency: how many and their amount) and the quotes rejected or expired "
    "in it (per status and currency). With `customer_id`: only that customer's (and its "
    "merged aliases'), each listed. " + FORMS,
    responses=PERIODIC,
)
async def lost_sales(
    uow: UnitOfWorkDep,
    period: Period,
    customer_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    chosen: Chosen = None,
    accept: Accept = None,
) -> Response:
    report = await questions.lost_sales(uow, period, customer_id)
    return answer(report, f"lost-sales-{report.period.label}", chosen, accept)


@router.get(
    "/customer-yield",
    response_model=CustomerYieldReport,
    summary="What each customer cost and yielded",
    description="Per customer, in one currency (CRM_ANALYTICS_CURRENCY unless asked): "
    "the orders placed in the period (not cancelled), their revenue, paid and written-off "
    "amounts, the recovery cost support recorded in the period, and the net yield = revenue "
    "- written off - recovery cost; the top or bottom `limit` by net yield, and the totals "
    "over every customer. " + FORMS,
    responses=PERIODIC,
)
async def customer_yield(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    period: Period,
    currency: Currency = None,
    order: Annotated[YieldOrder, Query(description="top: highest net first")] = YieldOrder.TOP,
    limit: Limit = 50,
    chosen: Chosen = None,
    accept: Accept = None,
) -> Response:
    chosen_currency = currency or settings.currency
    report = await questions.customer_yield(uow, period, chosen_currency, order, limit)
    return answer(report, f"customer-yield-{report.period.label}", chosen, accept)


@router.get(
    "/campaigns",
    response_model=CampaignReport,
    summary="Did the campaign work: messages, responses, leads, conversions and revenue",
    description="Per campaign and source named on the leads created in the period: leads, "
    "converted ones, and the orders and revenue (per currency) of the customers they became, "
    "placed in the period after the lead came in; per marketing campaign (on its `campaign` "
    "source row), its messages sent, delivered, opened and clicked in the period, the "
    "responses and the unsubscribes. The notes say how each is counted. " + FORMS,
    responses=PERIODIC,
)
async def campaigns(
    uow: UnitOfWorkDep, period: Period, chosen: Chosen = None, accept: Accept = None
) -> Response:
    report = await questions.campaigns(uow, period)
    return answer(report, f"campaigns-{report.period.label}", chosen, accept)


@router.get(
    "/dissatisfaction",
    response_model=DissatisfactionReport,
    summary="What customers are dissatisfied with",
    description="The complaints received in the period per category (and the major ones), "
    "and the survey items answered in the period with the lowest mean score first (answers, "
    "mean score 1-5, mean C = score / expected). " + FORMS,
    responses=PERIODIC,
)
async def dissatisfaction(
    uow: UnitOfWorkDep,
    period: Period,
    limit: Annotated[int, Query(ge=1, le=1000, description="How many items")] = 20,
    chosen: Chosen = None,
    accept: Accept = None,
) -> Response:
    report = await questions.dissatisfaction(uow, period, limit)
    return answer(report, f"dissatisfaction-{report.period.label}", chosen, accept)


@router.get(
    "/composition",
    response_model=CompositionReport,
    summary="The composition of the customer base",
    description="The active customers who existed by the period's end, counted by age band "
    "(whole years on the period's last day: <20, 20-29, ... 70+, unknown), occupation, "
    "industry, region and value band (their spend in the period in one currency: the setting "
    "`reports_spend_bands`, by default <100, 100-250, 250-500, >=500), with the spend of "
    "each. A month gives the monthly report. " + FORMS,
    responses=PERIODIC,
)
async def composition_report(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    period: Period,
    currency: Currency = None,
    chosen: Chosen = None,
    accept: Accept = None,
) -> Response:
    report = await composition.composition(
        uow, period, currency or settings.currency, settings.reports_spend_bands
    )
    return answer(report, f"composition-{report.period.label}", chosen, accept)


@router.get(
    "/scorecard",
    response_model=ScorecardReport,
    summary="The scorecard per customer segment",
    description="Per RFM segment of the active customers: acquisition (customers created in "
    "the period, first-time buyers), retention (of those who had bought before the period, "
    "the share who bought in it), profitability (orders, revenue, written off, recovery "
    "cost, net, net per customer) and cost to serve (tickets received, recovery cost per "
    "customer), in one currency. " + FORMS,
    responses=PERIODIC,
)
async def scorecard_report(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    period: Period,
    currency: Currency = None,
    chosen: Chosen = None,
    accept: Accept = None,
) -> Response:
    report = await composition.scorecard(uow, period, currency or settings.currency)
    return answer(report, f"scorecard-{report.period.label}", chosen, accept)

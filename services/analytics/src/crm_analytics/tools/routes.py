"""The analytical tools: POST /v1/tools/market-size, GET /v1/reports/mvc."""

from crm_shared.api.auth import requires
from crm_shared.api.deps import SessionDep
from crm_shared.api.openapi import problem_responses
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter

from crm_analytics.tools import rules, service
from crm_analytics.tools.schemas import MarketSizeIn, MarketSizeOut, MvcClassOut, MvcReportOut

router = APIRouter(tags=["tools"], dependencies=[requires(Permission.ANALYTICS_READ)])


@router.post(
    "/v1/tools/market-size",
    response_model=MarketSizeOut,
    summary="Estimate a market's size: population x purchasing power x motivation",
    description="The number of potential customers = population * the share with purchasing "
    "power * the share with the motivation to buy (rounded to a whole number), and with an "
    "average annual spend the market's yearly value; the formula is echoed with the figures.",
    responses=problem_responses(422),
)
async def market_size(body: MarketSizeIn) -> MarketSizeOut:
    found = rules.market_size(
        body.population,
        body.purchasing_power_share,
        body.motivation_share,
        body.average_annual_spend,
    )
    return MarketSizeOut(
        potential_customers=found.potential_customers,
        annual_value=found.annual_value,
        formula=found.formula,
    )


@router.get(
    "/v1/reports/mvc",
    response_model=MvcReportOut,
    summary="The most-valuable-customer order: customers and value per class 1-8",
    description="Classes from credit grade (high: A or B), size (large: a business by "
    "employees or annual revenue, an individual by spend; the cuts are settings) and loyalty "
    "(the loyalty score at or above a cut): 1 = high credit, large, loyal ... 8 = low credit, "
    "small, disloyal. As of the last scoring run.",
)
async def mvc_report(session: SessionDep) -> MvcReportOut:
    report = await service.mvc_report(session)
    return MvcReportOut(
        classes=[
            MvcClassOut(
                mvc_class=line.mvc_class.number,
                credit=line.mvc_class.credit,
                size=line.mvc_class.size,
                loyalty=line.mvc_class.loyalty,
                customers=line.customers,
                value=line.value,
                average_loyalty=line.average_loyalty,
            )
            for line in report.classes
        ],
        unclassified=report.unclassified,
    )

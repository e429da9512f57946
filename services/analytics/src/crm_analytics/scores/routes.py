"""GET /v1/models/clv, POST /v1/models/clv/fit and POST /v1/scores/run."""

from crm_shared.api.auth import requires
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.api.openapi import problem_responses
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter

from crm_analytics.scores import service
from crm_analytics.scores.schemas import ClvModelOut, FitIn, RunIn, RunOut
from crm_analytics.scores.views import model_out
from crm_analytics.web import SettingsDep

router = APIRouter(tags=["scores"])


@router.get(
    "/v1/models/clv",
    dependencies=[requires(Permission.ANALYTICS_READ)],
    response_model=ClvModelOut,
    summary="The CLV models in use: BG/NBD and Gamma-Gamma parameters",
    responses=problem_responses(404, s404="No fit yet"),
)
async def get_clv_model(uow: UnitOfWorkDep) -> ClvModelOut:
    return model_out(await service.newest_model(uow))


@router.post(
    "/v1/models/clv/fit",
    dependencies=[requires(Permission.ANALYTICS_MANAGE)],
    response_model=ClvModelOut,
    summary="Refit BG/NBD and Gamma-Gamma on the order history, then rescore everyone",
    description="Maximum likelihood on every customer's purchase days up to "
    "`observation_end` (default today; time unit days, several orders on one day count as "
    "one purchase, as the reference implementation `lifetimes` does). Gamma-Gamma is fitted "
    "on the customers with a repeat purchase of positive value. Every customer is then "
    "rescored as of `observation_end` with the new fit. The same refit runs nightly "
    "(CRM_ANALYTICS_SCORES_REFRESH_CRON).",
    responses=problem_responses(409, s409="Too few customers bought on two days to fit"),
)
async def fit_clv_model(uow: UnitOfWorkDep, settings: SettingsDep, body: FitIn) -> ClvModelOut:
    model = await service.fit_clv(uow, settings, body.observation_end)
    answer = model_out(model)
    await uow.commit()
    return answer


@router.post(
    "/v1/scores/run",
    dependencies=[requires(Permission.ANALYTICS_MANAGE)],
    response_model=RunOut,
    summary="Rescore every customer now (new RFM edges and ABC thresholds)",
    description="A full run: RFM quintile edges, ABC and VIP thresholds from the whole base, "
    "every customer's scores with the CLV fit in use; publishes `value_class.changed` and "
    "`churn_risk.changed` for each customer whose class or level moved.",
)
async def run_scores(uow: UnitOfWorkDep, settings: SettingsDep, body: RunIn) -> RunOut:
    result = await service.rescore(uow, settings, as_of=body.as_of)
    await uow.commit()
    return RunOut(
        sequence=result.sequence,
        kind=result.kind,
        customers=result.customers,
        changed=len(result.changed),
    )

"""Reading the scores: a customer's section of the profile, and the CLV model in use."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.scores.models import ClvModel, CustomerScore
from crm_analytics.scores.repository import ScoreRepository
from crm_analytics.scores.schemas import (
    BgNbdOut,
    ChurnRiskOut,
    ClvModelOut,
    ClvOut,
    GammaGammaOut,
    RfmOut,
    ScoresOut,
)


async def read_scores(session: AsyncSession, customer_id: str, currency: str) -> ScoresOut:
    row = await ScoreRepository(session).get(customer_id)
    if row is None:
        return ScoresOut(
            rfm=None,
            abc_class=None,
            value_class=None,
            window_value=None,
            currency=currency,
            clv=None,
            churn_risk=None,
            computed_at=None,
        )
    return scores_of(row, currency)


def scores_of(row: CustomerScore, currency: str) -> ScoresOut:
    return ScoresOut(
        rfm=RfmOut(
            recency_days=row.recency_days or 0,
            frequency=row.orders,
            monetary=row.monetary_total,
            monetary_average=row.monetary_average or 0,
            r=row.r or 1,
            f=row.f or 1,
            m=row.m or 1,
            segment=row.rfm_segment or "",
        ),
        abc_class=row.abc_class,
        value_class=row.value_class,
        window_value=row.window_value,
        currency=currency,
        clv=ClvOut(
            frequency=row.clv_frequency,
            recency=row.clv_recency,
            T=row.clv_t,
            monetary_value=row.clv_monetary_value,
            probability_alive=row.probability_alive,
            expected_purchases_30d=row.expected_purchases_30d,
            expected_average_value=row.expected_average_value,
            predicted_value=row.predicted_value,
            worksheet_value=row.worksheet_value or 0,
        ),
        churn_risk=ChurnRiskOut(
            score=row.churn_score, level=row.churn_level, reasons=row.churn_reasons
        ),
        mvc_class=row.mvc_class,
        loyalty_score=row.loyalty_score,
        computed_at=row.computed_at,
    )


def model_out(model: ClvModel) -> ClvModelOut:
    gamma_gamma = None
    if model.p is not None and model.q is not None and model.v is not None:
        gamma_gamma = GammaGammaOut(
            p=model.p, q=model.q, v=model.v, log_likelihood=model.gamma_gamma_log_likelihood or 0
        )
    return ClvModelOut(
        bgnbd=BgNbdOut(
            r=model.r,
            alpha=model.alpha,
            a=model.a,
            b=model.b,
            log_likelihood=model.bgnbd_log_likelihood,
        ),
        gamma_gamma=gamma_gamma,
        observation_end=model.observation_end,
        customers=model.customers,
        fitted_at=model.fitted_at,
    )

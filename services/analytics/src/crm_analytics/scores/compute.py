"""From the order summary and the service figures to the rows of ``customer_scores``: every
score for every customer of the run at once, over numpy arrays (no I/O here).

A full run derives the edges (RFM quintiles, ABC and VIP thresholds) from its own base and
returns them; a live run scores its few customers against the edges of the last full run.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np

from crm_analytics.scores import clv, rules
from crm_analytics.scores.models import ClvModel
from crm_analytics.scores.repository import OrderSummary, Window
from crm_analytics.scores.rules import Floats
from crm_analytics.settings import AnalyticsSettings

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ServiceFigures:
    open_complaints: Floats
    breaches: Floats
    satisfaction: Floats


@dataclass(frozen=True)
class ClvSummary:
    """The CLV models' inputs as the reference defines them (days)."""

    frequency: Floats  # repeat purchase days
    recency: Floats  # first to last purchase day
    T: Floats  # first purchase day to the end of the observation
    monetary_value: Floats  # mean of the repeat purchase days' totals


def clv_summary(summary: OrderSummary, window: Window) -> ClvSummary:
    frequency = summary.purchase_days - 1
    repeat_total = summary.total - summary.first_day_total
    monetary = np.divide(
        repeat_total, frequency, out=np.zeros_like(repeat_total), where=frequency > 0
    )
    return ClvSummary(
        frequency=frequency,
        recency=summary.last_day - summary.first_day,
        T=window.end - summary.first_day,
        monetary_value=monetary,
    )


def full_run_edges(
    summary: OrderSummary, window: Window, settings: AnalyticsSettings
) -> dict[str, Any]:
    """The edges of a full run, from its whole base."""
    recency = window.end - summary.last_day
    vip_thresholds = rules.abc_thresholds(summary.window_value, [settings.vip_share])
    abc = rules.abc_thresholds(summary.window_value, settings.abc_shares)
    return {
        "recency": rules.quintile_edges(recency),
        "frequency": rules.quintile_edges(summary.orders),
        "monetary": rules.quintile_edges(summary.total),
        # The least value of each class but the last: {"A": 610.0, "B": 95.5}.
        "abc": dict(zip("ABC", abc, strict=False)),
        "vip": vip_thresholds[0] if settings.vip_share > 0 else None,
    }


def score_rows(
    summary: OrderSummary,
    service: ServiceFigures,
    window: Window,
    edges: dict[str, Any],
    model: ClvModel | None,
    settings: AnalyticsSettings,
    sequence: int,
    now: datetime,
) -> list[dict[str, Any]]:
    recency = window.end - summary.last_day
    r = rules.lower_is_better(recency, edges["recency"])
    f = rules.higher_is_better(summary.orders, edges["frequency"])
    m = rules.higher_is_better(summary.total, edges["monetary"])
    segments = rules.segments(r, f)
    abc = rules.abc_classes(summary.window_value, [edges["abc"][k] for k in sorted(edges["abc"])])
    vip_value = edges.get("vip")
    vip = summary.vip | (
        (summary.window_value >= vip_value) & (summary.window_value > 0)
        if vip_value is not None
        else False
    )
    value_class = rules.value_classes(abc, vip)
    tenure = window.end - summary.first_day + 1
    worksheet = rules.worksheet_value(
        summary.total, summary.orders, tenure, settings.worksheet_years
    )
    model_inputs = clv_summary(summary, window)
    predictions = _predictions(model_inputs, model, settings)
    churn = rules.churn_risk(
        rules.ChurnInputs(
            days_inactive=recency,
            usual_gap_days=np.divide(
                model_inputs.recency,
                model_inputs.frequency,
                out=np.full_like(model_inputs.recency, np.nan),
                where=model_inputs.frequency > 0,
            ),
            orders_recent=summary.orders_recent,
            orders_before=summary.orders_before,
            spend_recent=summary.spend_recent,
            spend_before=summary.spend_before,
            open_complaints=service.open_complaints,
            breaches=service.breaches,
            satisfaction=service.satisfaction,
        ),
        rules.ChurnWeights(
            default_gap_days=settings.churn_default_gap_days,
            medium=settings.churn_medium,
            high=settings.churn_high,
        ),
    )
    average = np.divide(
        summary.total, summary.orders, out=np.zeros_like(summary.total), where=summary.orders > 0
    )
    rows: list[dict[str, Any]] = []
    for i, customer_id in enumerate(summary.customer_ids):
        rows.append(
            {
                "customer_id": customer_id,
                "sequence": sequence,
                "computed_at": now,
                "orders": int(summary.orders[i]),
                "first_order_at": summary.first_order_at[i],
                "last_order_at": summary.last_order_at[i],
                "recency_days": int(recency[i]),
                "monetary_total": _money(summary.total[i]),
                "monetary_average": _money(average[i]),
                "r": int(r[i]),
                "f": int(f[i]),
                "m": int(m[i]),
                "rfm_segment": segments[i],
                "window_value": _money(summary.window_value[i]),
                "abc_class": abc[i],
                "value_class": value_class[i],
                "clv_frequency": float(model_inputs.frequency[i]),
                "clv_recency": float(model_inputs.recency[i]),
                "clv_t": float(model_inputs.T[i]),
                "clv_monetary_value": float(model_inputs.monetary_value[i]),
                "probability_alive": _float(predictions, "probability_alive", i),
                "expected_purchases_30d": _float(predictions, "expected_purchases_30d", i),
                "expected_average_value": _float(predictions, "expected_average_value", i),
                "predicted_value": _float(predictions, "predicted_value", i),
                "worksheet_value": _money(worksheet[i]),
                "churn_score": round(float(churn.score[i]), 4),
                "churn_level": churn.level[i],
                "churn_reasons": churn.reasons[i],
                "mvc_class": None,
                "loyalty_score": None,
                "inactive_since": None,  # the run's inactivity step sets them
                "inactive_notified_days": None,
            }
        )
    return rows


def churn_level(score: float, settings: AnalyticsSettings) -> str:
    if score >= settings.churn_high:
        return "high"
    return "medium" if score >= settings.churn_medium else "low"


def _predictions(
    inputs: ClvSummary, model: ClvModel | None, settings: AnalyticsSettings
) -> dict[str, Floats]:
    if model is None or inputs.frequency.size == 0:
        return {}
    bgnbd = clv.BgNbdParams(model.r, model.alpha, model.a, model.b, model.bgnbd_log_likelihood)
    predictions = {
        "probability_alive": clv.probability_alive(
            bgnbd, inputs.frequency, inputs.recency, inputs.T
        ),
        "expected_purchases_30d": clv.expected_purchases(
            bgnbd, 30, inputs.frequency, inputs.recency, inputs.T
        ),
    }
    if model.p is not None and model.q is not None and model.v is not None:
        gamma_gamma = clv.GammaGammaParams(
            model.p, model.q, model.v, model.gamma_gamma_log_likelihood or 0.0
        )
        predictions["expected_average_value"] = clv.expected_average_value(
            gamma_gamma, inputs.frequency, inputs.monetary_value
        )
        predictions["predicted_value"] = clv.lifetime_value(
            bgnbd,
            gamma_gamma,
            inputs.frequency,
            inputs.recency,
            inputs.T,
            inputs.monetary_value,
            months=settings.clv_horizon_months,
            discount_rate=settings.clv_monthly_discount_rate,
        )
    return predictions


def _float(predictions: dict[str, Floats], name: str, i: int) -> float | None:
    values = predictions.get(name)
    return None if values is None else round(float(values[i]), 6)


def _money(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(CENT)

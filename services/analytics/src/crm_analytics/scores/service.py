"""The scoring run and the CLV model fit: the use cases of the scores.

``rescore`` scores everyone (a full run: new edges from the whole base) or the customers it
names (a live run, against the last full run's edges; while the last full run's base is
small, or there is none, every run is full). It
writes the rows in sets, removes the rows of customers who no longer have a score (erased,
merged away, every order cancelled), and records ``value_class.changed`` and
``churn_risk.changed`` for each customer whose class or level moved and
``customer.inactive`` for each who crossed an inactivity threshold, all in the caller's
unit of work. ``fit_clv`` fits BG/NBD and Gamma-Gamma on the order history up to the
observation end, stores the fit, and rescores everyone at that date with it.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, NotFoundError

from crm_analytics.recommendations.service import refresh_rules
from crm_analytics.scores import clv
from crm_analytics.scores.compute import (
    ServiceFigures,
    clv_summary,
    full_run_edges,
    score_rows,
)
from crm_analytics.scores.enrich import add_learnt_churn, add_mvc
from crm_analytics.scores.events import record_changes, record_inactivity
from crm_analytics.scores.models import ClvModel, ScoreRun
from crm_analytics.scores.repository import OrderSummary, ScoreRepository, Window, day_number
from crm_analytics.segments.timers import request_full_refresh
from crm_analytics.settings import AnalyticsSettings


class NotEnoughHistory(ConflictError):
    """Too few customers bought on two days for the CLV models to be fitted."""

    default_code = "not-enough-history"


@dataclass(frozen=True)
class RunResult:
    sequence: int
    kind: str
    customers: int
    changed: list[str]  # customers whose value class or churn level moved
    inactive: list[str]  # customers who crossed an inactivity threshold


async def rescore(
    uow: UnitOfWork,
    settings: AnalyticsSettings,
    customer_ids: Collection[str] | None = None,
    *,
    as_of: date | None = None,
    everyone: OrderSummary | None = None,
) -> RunResult:
    """``everyone``: the order summary of everyone at ``as_of``, when the caller has read it
    already (the fit reads it first: it is most of a full run's time)."""
    scores = ScoreRepository(uow.session)
    now = uow.clock.now()
    window = _window(as_of or now.date(), settings)
    last_full = await scores.last_full_run()
    full = (
        customer_ids is None
        or last_full is None
        or last_full.customers < settings.scores_small_base
    )
    names = None if full else await scores.names_of(customer_ids or ())
    summary = (
        everyone
        if full and everyone is not None
        else await scores.order_summary(window, _rates(settings), settings.vip_tag, names)
    )
    if full or last_full is None:
        edges = full_run_edges(summary, window, settings)
    else:
        edges = last_full.edges
    breach_since = now - timedelta(days=365)
    service = ServiceFigures(*await scores.service_figures(summary.customer_ids, breach_since))
    run = await scores.add_run(
        ScoreRun(
            kind="full" if full else "live",
            started_at=now,
            finished_at=now,
            as_of=now,
            customers=len(summary.customer_ids),
            edges=edges,
        )
    )
    model = await scores.newest_model()
    rows = score_rows(summary, service, window, edges, model, settings, run.sequence, now)
    await add_mvc(uow, rows, None if full else summary.customer_ids, settings)
    await add_learnt_churn(uow, rows, None if full else summary.customer_ids, settings)
    before = await scores.stored_of(None if full else summary.customer_ids)
    inactive = record_inactivity(uow, rows, before, settings, run.sequence)
    if full:
        await scores.replace_all(rows)
    else:
        await scores.upsert(rows)
        await scores.remove(set(customer_ids or ()) - set(summary.customer_ids))
    changed = record_changes(uow, rows, before, settings, run.sequence)
    if full:
        await refresh_rules(
            uow.session,
            now,
            min_support=settings.recommendation_min_support,
            min_confidence=settings.recommendation_min_confidence,
        )
        # Every segment over everyone, right after the commit (age bands move with the date
        # too); after a live run, the membership refresh that ends every run of events
        # re-evaluates its customers.
        await request_full_refresh(uow)
    run.finished_at = uow.clock.now()
    return RunResult(run.sequence, run.kind, len(rows), changed, inactive)


async def fit_clv(
    uow: UnitOfWork, settings: AnalyticsSettings, observation_end: date | None = None
) -> ClvModel:
    scores = ScoreRepository(uow.session)
    end = observation_end or uow.clock.now().date()
    window = _window(end, settings)
    summary = await scores.order_summary(window, _rates(settings), settings.vip_tag)
    inputs = clv_summary(summary, window)
    repeat = int((inputs.frequency > 0).sum())
    if repeat < settings.clv_min_repeat_customers:
        raise NotEnoughHistory(
            f"{repeat} customers bought on more than one day; the fit needs "
            f"{settings.clv_min_repeat_customers}",
            repeat_customers=repeat,
        )
    try:
        bgnbd = clv.fit_bgnbd(inputs.frequency, inputs.recency, inputs.T)
    except clv.NotEnoughHistory as error:
        raise NotEnoughHistory(str(error), repeat_customers=repeat) from error
    try:
        gamma_gamma: clv.GammaGammaParams | None = clv.fit_gamma_gamma(
            inputs.frequency, inputs.monetary_value
        )
    except clv.NotEnoughHistory:
        gamma_gamma = None
    model = await scores.add_model(
        ClvModel(
            fitted_at=uow.clock.now(),
            observation_end=end,
            customers=len(summary.customer_ids),
            r=bgnbd.r,
            alpha=bgnbd.alpha,
            a=bgnbd.a,
            b=bgnbd.b,
            p=gamma_gamma.p if gamma_gamma else None,
            q=gamma_gamma.q if gamma_gamma else None,
            v=gamma_gamma.v if gamma_gamma else None,
            bgnbd_log_likelihood=bgnbd.log_likelihood,
            gamma_gamma_log_likelihood=gamma_gamma.log_likelihood if gamma_gamma else None,
        )
    )
    await rescore(uow, settings, as_of=end, everyone=summary)
    return model


async def newest_model(uow: UnitOfWork) -> ClvModel:
    model = await ScoreRepository(uow.session).newest_model()
    if model is None:
        raise NotFoundError("no CLV model has been fitted yet", code="no-clv-model")
    return model


def _window(end: date, settings: AnalyticsSettings) -> Window:
    return Window(
        end=day_number(end),
        value_days=settings.value_window_days,
        trend_days=settings.trend_window_days,
    )


def _rates(settings: AnalyticsSettings) -> dict[str, float]:
    return {**settings.exchange_rates, settings.currency: 1.0}

"""Use cases of churn: learn the decision tree from history, read the newest, and the churn
report of a period (rate, series, reasons)."""

from collections.abc import Iterator
from datetime import date, timedelta

from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.churn import rules
from crm_analytics.churn.models import ChurnModel
from crm_analytics.churn.repository import ChurnRepository, midnight
from crm_analytics.churn.schemas import (
    ChurnFigures,
    ChurnModelOut,
    ChurnReport,
    FeatureOut,
    ReasonOut,
)
from crm_analytics.churn.tree import FEATURES, fit_tree
from crm_analytics.reporting import PeriodOut, cell, period_of, periods_until
from crm_analytics.settings import AnalyticsSettings


class NotEnoughHistoryError(ConflictError):
    default_code = "not-enough-history"


async def fit_model(
    uow: UnitOfWork, settings: AnalyticsSettings, as_of: date | None = None
) -> ChurnModel:
    """Learn the tree from the customers who had bought before ``as_of`` - horizon, labelled
    by whether they bought again before ``as_of``; stored as the newest model."""
    today = uow.clock.now().date()
    known_until = as_of or today
    if known_until > today:
        raise InvalidError("as_of cannot be after today", location="body.as_of")
    cut = known_until - timedelta(days=settings.churn_horizon_days)
    found = await ChurnRepository(uow.session).feature_set(
        midnight(cut),
        trend_days=settings.churn_trend_days,
        horizon_days=settings.churn_horizon_days,
    )
    customers, churned = len(found.customer_ids), int(found.churned.sum())
    stayed = customers - churned
    if (
        customers < settings.churn_min_customers
        or min(churned, stayed) < settings.churn_min_per_class
    ):
        raise NotEnoughHistoryError(
            f"not enough history to learn a churn model as of {known_until}: {customers} "
            f"customers ({churned} churned, {stayed} stayed); at least "
            f"{settings.churn_min_customers}, and {settings.churn_min_per_class} of each",
            customers=customers,
            churned=churned,
            stayed=stayed,
            min_customers=settings.churn_min_customers,
            min_per_class=settings.churn_min_per_class,
        )
    fitted = fit_tree(
        found.features,
        found.churned,
        settings.churn_tree_max_depth,
        settings.churn_tree_min_samples_leaf,
    )
    model = ChurnModel(
        fitted_at=uow.clock.now(),
        as_of=known_until,
        cut=cut,
        horizon_days=settings.churn_horizon_days,
        customers=customers,
        churned=churned,
        test_customers=fitted.test_customers,
        accuracy=fitted.accuracy,
        auc=fitted.auc,
        features=[feature.name for feature in FEATURES],
        tree=fitted.tree,
        rules=fitted.rules,
    )
    ChurnRepository(uow.session).add_model(model)
    await uow.session.flush()
    return model


async def newest_model(session: AsyncSession) -> ChurnModel:
    model = await ChurnRepository(session).newest_model()
    if model is None:
        raise NotFoundError("no churn model has been fitted yet", code="no-churn-model")
    return model


def model_out(model: ChurnModel) -> ChurnModelOut:
    labels = {feature.name: feature.label for feature in FEATURES}
    return ChurnModelOut(
        id=model.id,
        fitted_at=model.fitted_at,
        as_of=model.as_of,
        cut=model.cut,
        horizon_days=model.horizon_days,
        customers=model.customers,
        churned=model.churned,
        test_customers=model.test_customers,
        accuracy=model.accuracy,
        auc=model.auc,
        features=[FeatureOut(name=name, label=labels.get(name, name)) for name in model.features],
        tree=model.tree,
        rules=model.rules,
    )


async def churn_report(
    session: AsyncSession, settings: AnalyticsSettings, period: str, periods: int
) -> ChurnReport:
    span = period_of(period)
    series = periods_until(span, periods)
    churn = ChurnRepository(session)
    bounds = [each.start for each in series] + [span.end]
    counts = await churn.period_counts(bounds, settings.churn_active_window_days)
    figures = [
        ChurnFigures(
            period=PeriodOut.of(each),
            customers_at_start=at_start,
            lost=lost,
            active_at_end=at_end,
            new_customers=new,
            churn_rate_percent=(rate := rules.rate_percent(lost, at_start)),
            retention_rate_percent=None if rate is None else round(100 - rate, rules.PLACES),
        )
        for each, (at_start, lost, at_end, new) in zip(series, counts, strict=True)
    ]
    reasons = rules.reason_counts(
        await churn.lost_reasons(span.start, span.end),
        await churn.lost_opportunity_reasons(span.start, span.end),
        settings.churn_reason_shares,
    )
    return ChurnReport(
        **figures[-1].model_dump(),
        active_window_days=settings.churn_active_window_days,
        series=figures,
        reasons=[ReasonOut(**vars(reason)) for reason in reasons],
    )


def csv_rows(report: ChurnReport) -> Iterator[tuple[str, str, str, str, str]]:
    """Long rows: the period's figures, each period of the series, each reason."""
    metrics = (
        "customers_at_start",
        "lost",
        "active_at_end",
        "new_customers",
        "churn_rate_percent",
        "retention_rate_percent",
    )
    for figures in report.series:
        for metric in metrics:
            yield ("churn", "period", figures.period.label, metric, cell(getattr(figures, metric)))
    for reason in report.reasons:
        for metric in ("lifecycle", "opportunities", "total", "share_percent"):
            yield ("reasons", "reason", reason.reason, metric, cell(getattr(reason, metric)))
        yield (
            "reasons",
            "reason",
            reason.reason,
            "reference_percent",
            cell(reason.reference_percent),
        )

"""The snapshot reports (RFM, ABC, best customers, who is about to leave): the scores of
the last run, aggregated by the repository, shaped into the reports. The reports over a
period are in :mod:`crm_analytics.reports.questions`."""

from collections import Counter, defaultdict

from crm_shared.db import UnitOfWork

from crm_analytics.reports import rules
from crm_analytics.reports.repository import ReportRepository
from crm_analytics.reports.schemas import (
    AbcClassOut,
    AbcReport,
    AtRiskCustomer,
    AtRiskReport,
    BestBy,
    BestCustomer,
    BestCustomersReport,
    ParetoPointOut,
    ReasonCount,
    RfmCell,
    RfmReport,
    RfmSegmentOut,
    ScoreRunOut,
)
from crm_analytics.scores.models import ScoreRun

SCORES = range(1, 6)
AT_RISK_LEVELS = ("high", "medium")
BEST_BY_COLUMN = {
    BestBy.VALUE: "window_value",
    BestBy.CLV: "predicted_value",
    BestBy.MONETARY: "monetary_total",
}


def _run_out(run: ScoreRun | None) -> ScoreRunOut | None:
    if run is None:
        return None
    return ScoreRunOut(sequence=run.sequence, as_of=run.as_of, customers=run.customers)


async def rfm_report(uow: UnitOfWork) -> RfmReport:
    reports = ReportRepository(uow.session)
    cells = await reports.rfm_cells()
    run = await reports.last_full_run()
    grid = {(r, f): rules.Tally() for r in SCORES for f in SCORES}
    segments: dict[str | None, rules.Tally] = defaultdict(rules.Tally)
    for r, f, segment, count, total in cells:
        grid.setdefault((r, f), rules.Tally()).add(count, total, segment)
        segments[segment].add(count, total, segment)
    customers = sum(tally.customers for tally in segments.values())
    return RfmReport(
        run=_run_out(run),
        customers=customers,
        grid=[
            RfmCell(
                r=r,
                f=f,
                customers=cell.customers,
                mean_monetary=cell.mean(),
                segments=dict(sorted(cell.segments.items())),
            )
            for (r, f), cell in sorted(grid.items())
        ],
        segments=[
            RfmSegmentOut(
                segment=segment,
                customers=tally.customers,
                customers_share=rules.share(tally.customers, customers),
                monetary_total=rules.money(tally.total),
                mean_monetary=tally.mean(),
            )
            for segment, tally in sorted(
                segments.items(),
                key=lambda item: (-item[1].customers, item[0] is None, item[0] or ""),
            )
        ],
        edges=None if run is None else {k: v for k, v in run.edges.items() if k != "abc"},
    )


async def abc_report(uow: UnitOfWork) -> AbcReport:
    reports = ReportRepository(uow.session)
    classes = await reports.abc_classes()
    run = await reports.last_full_run()
    customers = sum(count for _, count, _ in classes)
    value = sum((total for _, _, total in classes), rules.money(0))
    cumulative = (
        await reports.cumulative_value_at(rules.pareto_ranks(customers)) if customers else {}
    )
    return AbcReport(
        run=_run_out(run),
        customers=customers,
        value=rules.money(value),
        classes=[
            AbcClassOut(
                abc_class=name,
                customers=count,
                customers_share=rules.share(count, customers),
                value=rules.money(total),
                value_share=rules.share(total, value),
            )
            for name, count, total in classes
        ],
        pareto=[
            ParetoPointOut(customers_share=p.customers_share, value_share=p.value_share)
            for p in rules.pareto_curve(customers, value, cumulative)
        ],
        thresholds=None if run is None else run.edges.get("abc"),
    )


async def best_customers(uow: UnitOfWork, by: BestBy, limit: int) -> BestCustomersReport:
    found = await ReportRepository(uow.session).top_scores(BEST_BY_COLUMN[by], limit)
    return BestCustomersReport(
        by=by,
        customers=[
            BestCustomer(
                rank=rank,
                customer_id=score.customer_id,
                window_value=rules.money(score.window_value),
                monetary_total=rules.money(score.monetary_total),
                predicted_value=score.predicted_value,
                orders=score.orders,
                rfm_segment=score.rfm_segment,
                abc_class=score.abc_class,
                value_class=score.value_class,
            )
            for rank, score in enumerate(found, start=1)
        ],
    )


async def at_risk(uow: UnitOfWork, limit: int) -> AtRiskReport:
    reports = ReportRepository(uow.session)
    reasons = Counter(
        str(reason.get("code"))
        for customer in await reports.churn_reasons(AT_RISK_LEVELS)
        for reason in {r.get("code"): r for r in customer}.values()
    )
    return AtRiskReport(
        levels=dict(await reports.churn_levels()),
        reasons=[
            ReasonCount(code=code, customers=count)
            for code, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        ],
        customers=[
            AtRiskCustomer(
                customer_id=score.customer_id,
                churn_level=score.churn_level,
                churn_score=score.churn_score,
                reasons=score.churn_reasons,
                recency_days=score.recency_days,
                window_value=rules.money(score.window_value),
                value_class=score.value_class,
            )
            for score in await reports.most_at_risk(AT_RISK_LEVELS, limit)
        ],
    )

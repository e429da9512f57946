"""The complaint statistics of a week or a month: the repository's aggregates, the rules'
arithmetic, shaped into the report (and, for CSV, into long rows)."""

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from crm_shared.contracts.support import TargetState
from crm_shared.db import UnitOfWork
from crm_shared.errors import InvalidError
from crm_shared.periods import Period, parse_period, time_zone

from crm_support.reports import rules
from crm_support.reports.repository import ReportFilter, ReportRepository
from crm_support.reports.schemas import (
    Compensation,
    ComplaintReport,
    CostByKind,
    CostTotal,
    Count,
    CrisisOut,
    DepartmentSurvey,
    Durations,
    FirstContactResolution,
    ItemOut,
    KindFilter,
    OwnerRework,
    PeriodOut,
    TargetCounts,
    TimeTo,
)
from crm_support.tickets.models import Ticket

ALL_KINDS = "all"
OPEN_STATES = frozenset({TargetState.RUNNING, TargetState.AT_RISK, TargetState.PAUSED})
# The CSV's columns: one value per row (long format).
CSV_COLUMNS = ("section", "dimension", "key", "metric", "value")


def period_of(text: str, tz: str) -> Period:
    try:
        time_zone(tz)
    except ValueError as error:
        raise InvalidError(str(error), location="query.tz", code="invalid-time-zone") from error
    try:
        return parse_period(text, rules.REPORT_PERIODS, tz)
    except ValueError as error:
        raise InvalidError(str(error), location="query.period", code="invalid-period") from error


async def complaint_report(
    uow: UnitOfWork,
    period: str,
    *,
    kind: KindFilter,
    department: str | None = None,
    tz: str = "UTC",
) -> ComplaintReport:
    span = period_of(period, tz)
    filters = ReportFilter(span.start, span.end, None if kind == ALL_KINDS else kind, department)
    reports = ReportRepository(uow.session)
    tickets, major, grievances = await reports.totals(filters)
    times = await reports.times(filters)
    resolved, on_the_spot = await reports.first_contact_resolution(filters)
    return ComplaintReport(
        period=PeriodOut(label=span.label, start=span.start, end=span.end, tz=span.tz),
        kind=kind,
        department=department,
        tickets=tickets,
        major=major,
        grievances_became_complaints=grievances,
        by_category=await _counts(reports, Ticket.category, filters),
        by_channel=await _counts(reports, Ticket.channel, filters),
        by_department=await _counts(reports, Ticket.department, filters),
        by_owner=[
            OwnerRework(
                owner=owner,
                tickets=count,
                reopened=reopened,
                rework_rate=rules.rate(reopened, count),
            )
            for owner, count, reopened in await reports.rework_by_owner(filters)
        ],
        time_to_first_contact=_time_to([(c, rules.seconds_between(r, f)) for c, r, f, _ in times]),
        time_to_resolution=_time_to([(c, rules.seconds_between(r, s)) for c, r, _, s in times]),
        first_contact_resolution=FirstContactResolution(
            resolved=resolved,
            without_investigation=on_the_spot,
            rate=rules.rate(on_the_spot, resolved),
        ),
        targets=_targets(await reports.target_states(filters)),
        compensation=_compensation(await reports.recovery_costs(filters)),
        surveys=_surveys(await reports.survey_items(filters)),
        crisis_alerts=[
            CrisisOut(id=alert.id, about=alert.about, count=alert.count, raised_at=alert.raised_at)
            for alert in await reports.crisis_alerts(filters)
        ],
    )


async def _counts(reports: ReportRepository, column: Any, filters: ReportFilter) -> list[Count]:
    return [Count(key=key, count=count) for key, count in await reports.counts_by(column, filters)]


def _durations(seconds: list[float]) -> Durations:
    found = rules.durations(seconds)
    return Durations(
        count=found.count, median_seconds=found.median_seconds, p90_seconds=found.p90_seconds
    )


def _time_to(measured: list[tuple[str, float | None]]) -> TimeTo:
    """Overall and per category, over the tickets where the time is known."""
    by_category: dict[str, list[float]] = defaultdict(list)
    for category, seconds in measured:
        if seconds is not None:
            by_category[category].append(seconds)
    overall = [seconds for values in by_category.values() for seconds in values]
    return TimeTo(
        overall=_durations(overall),
        by_category={name: _durations(by_category[name]) for name in sorted(by_category)},
    )


def _targets(states: list[tuple[str, str, int]]) -> list[TargetCounts]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for target, state, count in states:
        bucket = "open" if state in OPEN_STATES else state
        counts[target][bucket] += count
    return [
        TargetCounts(
            target=target,
            met=counts[target]["met"],
            breached=counts[target]["breached"],
            open=counts[target]["open"],
            cancelled=counts[target]["cancelled"],
        )
        for target in sorted(counts)
    ]


def _compensation(costs: list[tuple[str, str, int, Any]]) -> Compensation:
    by_kind = [
        CostByKind(currency=currency, kind=kind, count=count, cost=rules.money(cost))
        for currency, kind, count, cost in costs
    ]
    totals: dict[str, tuple[int, Decimal]] = {}
    for row in by_kind:
        count, cost = totals.get(row.currency, (0, Decimal("0.00")))
        totals[row.currency] = (count + row.count, cost + row.cost)
    return Compensation(
        by_kind=by_kind,
        totals=[
            CostTotal(currency=currency, count=count, cost=cost)
            for currency, (count, cost) in sorted(totals.items())
        ],
    )


def _surveys(
    rows: list[tuple[str | None, str, int, int, float | None, int]],
) -> list[DepartmentSurvey]:
    departments: dict[str | None, list[ItemOut]] = {}
    for department, item, answers, score_sum, satisfaction_sum, with_expected in rows:
        departments.setdefault(department, []).append(
            ItemOut(
                item=item,
                answers=answers,
                mean_score=rules.mean(score_sum, answers),
                satisfaction_answers=with_expected,
                mean_satisfaction=rules.mean(satisfaction_sum, with_expected),
            )
        )
    shaped = []
    for department, items in departments.items():
        strongest, weakest = rules.strongest_and_weakest(
            rules.ItemScore(i.item, i.answers, i.mean_score, i.mean_satisfaction) for i in items
        )
        shaped.append(
            DepartmentSurvey(
                department=department, items=items, strongest=strongest, weakest=weakest
            )
        )
    return shaped


def csv_rows(report: ComplaintReport) -> Iterator[tuple[str, str, str, str, str]]:
    """The report in long form, one value per row: (section, dimension, key, metric, value).
    An empty key is "none recorded" (a ticket without a department); an empty value is
    "not measurable" (a rate of nothing, a percentile of no time)."""

    def cell(value: object) -> str:
        return "" if value is None else str(value)

    def row(section: str, dimension: str, key: object, metric: str, value: object) -> Any:
        return (section, dimension, cell(key), metric, cell(value))

    yield row("period", "", report.period.label, "start", report.period.start.isoformat())
    yield row("period", "", report.period.label, "end", report.period.end.isoformat())
    yield row("period", "", report.period.label, "tz", report.period.tz)
    yield row("filter", "", "kind", "value", report.kind)
    yield row("filter", "", "department", "value", report.department)
    yield row("tickets", "", "", "count", report.tickets)
    yield row("tickets", "", "", "major", report.major)
    yield row(
        "tickets", "", "", "grievances_became_complaints", report.grievances_became_complaints
    )
    for dimension, counts in (
        ("category", report.by_category),
        ("channel", report.by_channel),
        ("department", report.by_department),
    ):
        for count in counts:
            yield row("tickets", dimension, count.key, "count", count.count)
    for owner in report.by_owner:
        yield row("rework", "owner", owner.owner, "tickets", owner.tickets)
        yield row("rework", "owner", owner.owner, "reopened", owner.reopened)
        yield row("rework", "owner", owner.owner, "rework_rate", owner.rework_rate)
    for section, time_to in (
        ("time_to_first_contact", report.time_to_first_contact),
        ("time_to_resolution", report.time_to_resolution),
    ):
        measured = [("", "", time_to.overall)]
        measured += [("category", name, d) for name, d in time_to.by_category.items()]
        for dimension, key, durations in measured:
            yield row(section, dimension, key, "count", durations.count)
            yield row(section, dimension, key, "median_seconds", durations.median_seconds)
            yield row(section, dimension, key, "p90_seconds", durations.p90_seconds)
    fcr = report.first_contact_resolution
    yield row("first_contact_resolution", "", "", "resolved", fcr.resolved)
    yield row(
        "first_contact_resolution", "", "", "without_investigation", fcr.without_investigation
    )
    yield row("first_contact_resolution", "", "", "rate", fcr.rate)
    for target in report.targets:
        for metric in ("met", "breached", "open", "cancelled"):
            yield row("targets", "target", target.target, metric, getattr(target, metric))
    for cost in report.compensation.by_kind:
        key = f"{cost.currency}/{cost.kind}"
        yield row("compensation", "currency/kind", key, "count", cost.count)
        yield row("compensation", "currency/kind", key, "cost", cost.cost)
    for total in report.compensation.totals:
        yield row("compensation", "currency", total.currency, "count", total.count)
        yield row("compensation", "currency", total.currency, "cost", total.cost)
    for survey in report.surveys:
        department = survey.department or ""
        for item in survey.items:
            key = f"{department}/{item.item}"
            yield row("surveys", "department/item", key, "answers", item.answers)
            yield row("surveys", "department/item", key, "mean_score", item.mean_score)
            yield row(
                "surveys", "department/item", key, "mean_satisfaction", item.mean_satisfaction
            )
        yield row("surveys", "department", department, "strongest", survey.strongest)
        yield row("surveys", "department", department, "weakest", survey.weakest)
    for alert in report.crisis_alerts:
        yield row("crisis_alerts", "about", alert.about, "count", alert.count)
        yield row("crisis_alerts", "about", alert.about, "raised_at", alert.raised_at.isoformat())

"""Unit tests of the opportunity, pipeline, forecast and analysis rules (pure functions)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from crm_sales.opportunities import rules
from crm_sales.pipeline import analysis
from crm_sales.pipeline.rules import (
    ForecastLine,
    StageTotal,
    committed_stages,
    forecast_total,
    pipeline_table,
    sorted_lines,
    weighted_total,
)
from crm_sales.settings import SalesSettings
from crm_shared.contracts.sales import OpportunityStage as Stage
from crm_shared.errors import InvalidError
from pydantic import ValidationError

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
DAY = 86_400.0


# -- probabilities and the weighted amount ---------------------------------------------------


def test_default_probabilities_are_the_domain_ones() -> None:
    probabilities = SalesSettings().stage_probabilities
    expected = {
        Stage.CONTACT: 0.1,
        Stage.NEEDS_ANALYSIS: 0.2,
        Stage.PROPOSAL: 0.4,
        Stage.QUOTE: 0.6,
        Stage.NEGOTIATION: 0.8,
        Stage.WON: 1.0,
        Stage.LOST: 0.0,
    }
    assert {stage: rules.stage_probability(stage, probabilities) for stage in Stage} == expected


def test_a_setting_changes_one_stage_and_keeps_the_others() -> None:
    settings = SalesSettings(stage_probabilities={Stage.QUOTE: 0.5})
    assert rules.stage_probability(Stage.QUOTE, settings.stage_probabilities) == 0.5
    assert rules.stage_probability(Stage.PROPOSAL, settings.stage_probabilities) == 0.4


def test_a_probability_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValidationError):
        SalesSettings(stage_probabilities={Stage.QUOTE: 1.5})


def test_the_committed_stage_must_be_open() -> None:
    with pytest.raises(ValidationError):
        SalesSettings(forecast_committed_from=Stage.WON)


@pytest.mark.parametrize(
    ("amount", "probability", "weighted"),
    [
        ("12500.00", 0.1, "1250.00"),
        ("1000.00", 0.6, "600.00"),
        ("333.33", 0.6, "200.00"),  # 199.998
        ("0.05", 0.1, "0.01"),  # 0.005, half up
        ("0.04", 0.1, "0.00"),
        ("99.99", 0.35, "35.00"),  # 34.9965
        ("1000.00", 0.0, "0.00"),
        ("1000.00", 1.0, "1000.00"),
    ],
)
def test_weighted_amount_is_exact_to_the_cent(
    amount: str, probability: float, weighted: str
) -> None:
    assert rules.weighted_amount(Decimal(amount), probability) == Decimal(weighted)


# -- stage moves and overrides ------------------------------------------------------------


def test_open_stages_move_freely_forward_and_back() -> None:
    rules.check_move(Stage.CONTACT, Stage.NEGOTIATION, loss_reason=None, reason=None)
    rules.check_move(Stage.NEGOTIATION, Stage.PROPOSAL, loss_reason=None, reason=None)
    rules.check_move(Stage.QUOTE, Stage.WON, loss_reason=None, reason=None)


def test_lost_needs_a_loss_reason() -> None:
    with pytest.raises(InvalidError, match="loss_reason"):
        rules.check_move(Stage.QUOTE, Stage.LOST, loss_reason=None, reason="gone quiet")
    rules.check_move(Stage.QUOTE, Stage.LOST, loss_reason="price", reason=None)


def test_reopening_needs_a_reason_and_an_open_stage() -> None:
    with pytest.raises(InvalidError, match="stage_reason"):
        rules.check_move(Stage.WON, Stage.NEGOTIATION, loss_reason=None, reason=None)
    rules.check_move(Stage.LOST, Stage.PROPOSAL, loss_reason=None, reason="budget came back")
    with pytest.raises(InvalidError, match="reopen it first"):
        rules.check_move(Stage.WON, Stage.LOST, loss_reason="x", reason="y")
    with pytest.raises(InvalidError, match="reopen it first"):
        rules.check_move(Stage.LOST, Stage.WON, loss_reason=None, reason="y")


def test_an_override_needs_an_open_stage_and_a_reason() -> None:
    rules.check_override(Stage.PROPOSAL, 0.35, "the buyer signed the letter of intent")
    with pytest.raises(InvalidError, match="probability_reason"):
        rules.check_override(Stage.PROPOSAL, 0.35, None)
    with pytest.raises(InvalidError, match="fixed"):
        rules.check_override(Stage.WON, 0.5, "why not")


# -- time in stage ---------------------------------------------------------------------------


def test_time_in_stage_runs_for_the_open_current_stage() -> None:
    visits = rules.visits_of(
        [("contact", T0), ("proposal", T0 + timedelta(days=2)), ("contact", T0 + timedelta(days=3))]
    )
    now = T0 + timedelta(days=7)
    assert [rules.seconds_in(visit, now) for visit in visits] == [2 * DAY, DAY, 4 * DAY]
    assert rules.total_seconds_per_stage(visits, now) == {"contact": 6 * DAY, "proposal": DAY}


def test_a_closed_stage_does_not_run() -> None:
    visits = rules.visits_of([("quote", T0), ("won", T0 + timedelta(days=1))])
    assert rules.seconds_in(visits[1], T0 + timedelta(days=30)) is None
    assert rules.total_seconds_per_stage(visits, T0 + timedelta(days=30)) == {"quote": DAY}


# -- periods, the pipeline table, forecast categories ------------------------------------------


def test_committed_is_negotiation_and_later_by_default() -> None:
    assert committed_stages(SalesSettings().forecast_committed_from) == (Stage.NEGOTIATION,)
    assert committed_stages(Stage.QUOTE) == (Stage.QUOTE, Stage.NEGOTIATION)


def test_the_pipeline_lists_every_open_stage_in_order() -> None:
    quote = StageTotal(Stage.QUOTE, 2, Decimal("3000.00"), Decimal("1800.00"))
    contact = StageTotal(Stage.CONTACT, 1, Decimal("500.00"), Decimal("50.00"))
    table = pipeline_table({"quote": quote, "contact": contact})
    assert [row.stage for row in table] == [
        Stage.CONTACT,
        Stage.NEEDS_ANALYSIS,
        Stage.PROPOSAL,
        Stage.QUOTE,
        Stage.NEGOTIATION,
    ]
    assert table[1] == StageTotal(Stage.NEEDS_ANALYSIS, 0, Decimal("0.00"), Decimal("0.00"))
    assert weighted_total(table) == Decimal("1850.00")


def test_forecast_total_and_order() -> None:
    lines = [
        ForecastLine("bob", weighted=Decimal("10"), best_case=Decimal("100"), open_count=1),
        ForecastLine(None, weighted=Decimal("99"), best_case=Decimal("99"), open_count=1),
        ForecastLine("ann", weighted=Decimal("20"), closed_won=Decimal("5"), won_count=1),
    ]
    assert [line.key for line in sorted_lines(lines)] == ["ann", "bob", None]
    total = forecast_total(lines)
    assert (total.weighted, total.best_case, total.closed_won) == (
        Decimal("129"),
        Decimal("199"),
        Decimal("5"),
    )
    assert (total.open_count, total.won_count) == (2, 1)


# -- pipeline analysis ---------------------------------------------------------------------------


def test_conversion_counts_who_passed_through_each_stage() -> None:
    # 4 opened at contact: 2 stopped there, 1 got to proposal, 1 was won.
    # 2 opened at proposal (rank 2) and reached negotiation (rank 4).
    spans = [analysis.Span(0, 0, 2), analysis.Span(0, 2, 1), analysis.Span(0, 5, 1)]
    spans.append(analysis.Span(2, 4, 2))
    rows = {
        (c.from_stage, c.to_stage): (c.reached, c.advanced, c.rate)
        for c in analysis.conversion_rates(spans)
    }
    assert rows[(Stage.CONTACT, Stage.NEEDS_ANALYSIS)] == (4, 2, 0.5)
    assert rows[(Stage.NEEDS_ANALYSIS, Stage.PROPOSAL)] == (2, 2, 1.0)
    assert rows[(Stage.PROPOSAL, Stage.QUOTE)] == (4, 3, 0.75)
    assert rows[(Stage.QUOTE, Stage.NEGOTIATION)] == (3, 3, 1.0)
    assert rows[(Stage.NEGOTIATION, Stage.WON)] == (3, 1, 0.3333)


def test_conversion_of_a_stage_nobody_reached_is_null() -> None:
    rates = analysis.conversion_rates([])
    assert len(rates) == 5
    assert all(rate.rate is None and rate.reached == 0 for rate in rates)


def test_average_days_per_stage_and_cycle() -> None:
    days = analysis.average_days({"contact": (6 * DAY, 3), "quote": (DAY, 2)})
    by_stage = {row.stage: (row.average_days, row.stays) for row in days}
    assert by_stage[Stage.CONTACT] == (2.0, 3)
    assert by_stage[Stage.QUOTE] == (0.5, 2)
    assert by_stage[Stage.PROPOSAL] == (None, 0)
    assert analysis.cycle_days(30 * DAY, 4) == 7.5
    assert analysis.cycle_days(0.0, 0) is None


def test_win_rate() -> None:
    outcome = analysis.Outcome(3, 1, Decimal("300"), Decimal("50"))
    assert outcome.win_rate == 0.75
    assert analysis.Outcome(0, 0, Decimal(0), Decimal(0)).win_rate is None
    assert analysis.Outcome(0, 2, Decimal(0), Decimal(9)).win_rate == 0.0


def test_loss_reasons_rank_by_count_then_amount() -> None:
    reasons = [
        analysis.LossReason("price", 2, Decimal("100")),
        analysis.LossReason("timing", 3, Decimal("10")),
        analysis.LossReason("features", 2, Decimal("500")),
    ]
    ranked = analysis.ranked_reasons(reasons, 2)
    assert [r.reason for r in ranked] == ["timing", "features"]


def test_win_and_loss_by_competitor() -> None:
    rows = [
        ("Globex", "won", 1, Decimal("100.00")),
        ("Globex", "lost", 3, Decimal("900.00")),
        ("Initech", "won", 2, Decimal("50.00")),
    ]
    found = analysis.by_competitor(rows)
    assert [c.competitor for c in found] == ["Globex", "Initech"]
    assert found[0].outcome == analysis.Outcome(1, 3, Decimal("100.00"), Decimal("900.00"))
    assert found[0].outcome.win_rate == 0.25
    assert found[1].outcome.win_rate == 1.0


def test_the_pipeline_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_SALES_STAGE_PROBABILITIES", '{"quote": 0.5, "negotiation": 0.9}')
    monkeypatch.setenv("CRM_SALES_FORECAST_COMMITTED_FROM", "quote")
    monkeypatch.setenv("CRM_SALES_ANALYSIS_DEFAULT_DAYS", "90")
    settings = SalesSettings()
    assert settings.stage_probabilities[Stage.QUOTE] == 0.5
    assert settings.stage_probabilities[Stage.NEGOTIATION] == 0.9
    assert settings.stage_probabilities[Stage.CONTACT] == 0.1
    assert committed_stages(settings.forecast_committed_from) == (Stage.QUOTE, Stage.NEGOTIATION)
    assert settings.analysis_default_days == 90

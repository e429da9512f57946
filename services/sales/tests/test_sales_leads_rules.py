"""The pure rules of leads: the status machine, the rule score and its reasons, the
features of the learnt model, work allocation, and the activities' time rules."""

from datetime import UTC, datetime

import pytest
from crm_sales.activities.rules import needs_a_link, reminder_at
from crm_sales.leads.rules import (
    FEATURES,
    ScoreInputs,
    allowed_moves,
    features_of,
    may_move,
    route_lead,
    rule_score,
    size_points,
)
from crm_sales.settings import SalesSettings
from crm_shared.clock import day_of
from crm_shared.contracts.sales import ActivityKind, LeadStatus

SETTINGS = SalesSettings()


def test_the_status_machine() -> None:
    assert allowed_moves(LeadStatus.NEW) == ["qualified", "converted", "disqualified"]
    assert allowed_moves(LeadStatus.QUALIFIED) == ["converted", "disqualified"]
    assert allowed_moves(LeadStatus.CONVERTED) == allowed_moves(LeadStatus.DISQUALIFIED) == []
    assert not may_move(LeadStatus.QUALIFIED, LeadStatus.NEW)
    assert not may_move(LeadStatus.DISQUALIFIED, LeadStatus.QUALIFIED)


@pytest.mark.parametrize(
    ("size", "band"), [(None, None), (5, None), (10, (10, 5)), (249, (50, 10)), (5000, (1000, 20))]
)
def test_size_bands_take_the_highest_reached(size: int | None, band: object) -> None:
    assert size_points(size, SETTINGS.scoring_size_bands) == band


def test_fit_points_with_their_reasons() -> None:
    score = rule_score(
        ScoreInputs(company_size=60, industry=" SOFTWARE ", region="Nordics", role="Head of IT"),
        SETTINGS,
    )
    assert score.points == 10 + 15 + 10 + 20
    assert [(r.rule, r.points) for r in score.reasons] == [
        ("company_size", 10), ("industry", 15), ("region", 10), ("role", 20),
    ]  # fmt: skip
    assert score.reasons[0].detail == "50+ employees"


def test_roles_match_whole_words() -> None:
    def role_points(role: str) -> int:
        return rule_score(ScoreInputs(role=role), SETTINGS).points

    assert role_points("VP Sales") == 20
    assert role_points("Purchasing manager") == 20  # decision-maker word wins
    assert role_points("Project manager") == 8
    assert role_points("Ownership analyst") == 0  # "owner" is not a word of it
    assert role_points("") == 0


def test_engagement_is_capped_per_rule_and_the_total_at_100() -> None:
    engaged = rule_score(ScoreInputs(activities_done=9, campaign_responses=1), SETTINGS)
    assert [(r.rule, r.points) for r in engaged.reasons] == [
        ("activities", 20), ("campaign_responses", 5),
    ]  # fmt: skip
    generous = SalesSettings(scoring_industry_points=90, scoring_region_points=90)
    capped = rule_score(ScoreInputs(industry="software", region="uk"), generous)
    assert capped.points == 100
    assert capped.reasons[-1].rule == "cap"
    assert capped.reasons[-1].points == -80


def test_weights_are_settings() -> None:
    custom = SalesSettings(
        scoring_industries=["mining"], scoring_industry_points=40, scoring_source_points={}
    )
    assert rule_score(ScoreInputs(industry="Mining", source="referral"), custom).points == 40
    assert rule_score(ScoreInputs(industry="software"), custom).points == 0


def test_features_in_their_order() -> None:
    values = features_of(
        ScoreInputs(company_size=0, industry="software", role="CEO", activities_done=3), SETTINGS
    )
    assert dict(zip(FEATURES, values, strict=True)) == {
        "log_company_size": 0.0, "target_industry": 1.0, "target_region": 0.0,
        "decision_maker": 1.0, "influencer": 0.0, "activities_done": 3.0,
        "campaign_responses": 0.0, "source_points": 0.0,
    }  # fmt: skip


def test_routing_territory_then_industry_then_the_least_loaded_then_the_pool() -> None:
    settings = SalesSettings(
        routing_territories={"DACH": "ann"},
        routing_industries={"software": "bob"},
        routing_round_robin=["cy", "dee"],
    )
    assert route_lead("dach", "software", settings, {}).owner == "ann"
    assert route_lead("uk", "Software", settings, {}).owner == "bob"
    assert route_lead(None, None, settings, {}).owner == "cy"
    assert route_lead(None, None, settings, {"cy": 3, "dee": 2}).owner == "dee"
    assert route_lead(None, None, SETTINGS, {}).rule == "pool"


def test_reminders_and_days() -> None:
    due = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert reminder_at(due, 30) == datetime(2026, 3, 29, 11, 30, tzinfo=UTC)
    # The day of the spring change in Berlin is 23 hours long.
    day = day_of(due, "Europe/Berlin")
    assert (day.start, day.end) == (
        datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
    )
    assert needs_a_link(ActivityKind.CALL)
    assert not needs_a_link(ActivityKind.TASK)

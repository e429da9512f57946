"""The survey rules (acceptable answers, satisfaction, dissatisfaction) and signed links."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from crm_support.settings import SupportSettings
from crm_support.surveys import links
from crm_support.surveys.rules import Answer, is_dissatisfied, problems_with, satisfaction

ITEMS = ["problem_fixed", "speed", "overall"]
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_acceptable_answers() -> None:
    assert problems_with([Answer("speed", 4)], ITEMS) == []
    assert problems_with([Answer("speed", 4, 5), Answer("overall", 1)], ITEMS) == []


def test_what_is_wrong_is_said() -> None:
    assert problems_with([], ITEMS) == ["answer at least one item"]
    [unknown] = problems_with([Answer("mood", 3), Answer("colour", 3)], ITEMS)
    assert unknown.startswith("not items of the current questionnaire: colour, mood")
    assert problems_with([Answer("speed", 3), Answer("speed", 4)], ITEMS) == [
        "answered more than once: speed"
    ]
    assert problems_with([Answer("speed", 3, 0)], ITEMS) == ["speed: scores go from 1 to 5"]


def test_satisfaction_is_perceived_over_expected() -> None:
    assert satisfaction(Answer("speed", 3, 4)) == 0.75
    assert satisfaction(Answer("speed", 5, 3)) == 1.667
    assert satisfaction(Answer("speed", 5)) is None


@pytest.mark.parametrize(
    ("answers", "dissatisfied"),
    [
        ([Answer("problem_fixed", 2), Answer("overall", 5)], True),
        ([Answer("problem_fixed", 5), Answer("speed", 1)], True),
        ([Answer("problem_fixed", 3), Answer("speed", 3)], False),
        ([Answer("overall", 5, 1)], False),  # a low expectation is not a low score
    ],
)
def test_a_score_at_or_under_the_threshold_is_dissatisfied(
    answers: list[Answer], dissatisfied: bool
) -> None:
    assert is_dissatisfied(answers, threshold=2) is dissatisfied


def test_a_link_carries_the_ticket_and_expires(tmp_path: Path) -> None:
    settings = SupportSettings(data_dir=tmp_path, survey_link_days=2)
    token = links.sign("ticket-1", settings, NOW)
    assert links.ticket_of(token, settings, NOW + timedelta(days=2)) == "ticket-1"
    with pytest.raises(links.ExpiredLinkError):
        links.ticket_of(token, settings, NOW + timedelta(days=2, seconds=1))
    with pytest.raises(links.BadLinkError):
        links.ticket_of(token + "x", settings, NOW)


def test_the_key_is_the_configured_one_else_generated_once(tmp_path: Path) -> None:
    generated = SupportSettings(data_dir=tmp_path)
    assert links.link_key(generated) == links.link_key(generated)
    configured = SupportSettings(data_dir=tmp_path, survey_link_secret="s3cret-s3cret")
    assert links.link_key(configured) == "s3cret-s3cret"
    token = links.sign("ticket-1", configured, NOW)
    with pytest.raises(links.BadLinkError):  # signed with another key
        links.ticket_of(token, generated, NOW)

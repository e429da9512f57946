"""The inactivity crossing rule: each threshold once per spell, only the highest of several
crossed at once, a new purchase starts over, a replay or an earlier day publishes nothing."""

from datetime import UTC, datetime, timedelta

from crm_analytics.scores.rules import InactivityMark, inactivity_crossing

THRESHOLDS = [90, 180, 365]
SPELL = datetime(2026, 1, 10, 9, 30, tzinfo=UTC)


def crossing(previous: InactivityMark, days: int, since: datetime = SPELL) -> int | None:
    return inactivity_crossing(previous, since, days, THRESHOLDS)[1]


def test_nothing_before_the_first_threshold() -> None:
    mark, crossed = inactivity_crossing(InactivityMark(), SPELL, 89, THRESHOLDS)
    assert crossed is None
    assert mark == InactivityMark(SPELL, None)


def test_each_threshold_is_crossed_once_per_spell() -> None:
    mark, crossed = inactivity_crossing(InactivityMark(SPELL, None), SPELL, 90, THRESHOLDS)
    assert (mark, crossed) == (InactivityMark(SPELL, 90), 90)
    assert crossing(mark, 90) is None  # the same run replayed
    assert crossing(mark, 179) is None
    assert crossing(mark, 180) == 180


def test_of_several_thresholds_crossed_since_the_last_run_only_the_highest() -> None:
    mark, crossed = inactivity_crossing(InactivityMark(), SPELL, 400, THRESHOLDS)
    assert (mark, crossed) == (InactivityMark(SPELL, 365), 365)
    assert crossing(mark, 500) is None  # no threshold left


def test_a_new_purchase_starts_over() -> None:
    later = SPELL + timedelta(days=200)
    mark, crossed = inactivity_crossing(InactivityMark(SPELL, 180), later, 0, THRESHOLDS)
    assert (mark, crossed) == (InactivityMark(later, None), None)
    assert crossing(mark, 90, later) == 90


def test_a_run_as_of_an_earlier_day_keeps_the_newer_spells_mark() -> None:
    newer = InactivityMark(SPELL, 90)
    earlier_spell = SPELL - timedelta(days=300)
    mark, crossed = inactivity_crossing(newer, earlier_spell, 200, THRESHOLDS)
    assert (mark, crossed) == (newer, None)


def test_a_run_as_of_an_earlier_day_never_lowers_the_mark() -> None:
    mark, crossed = inactivity_crossing(InactivityMark(SPELL, 180), SPELL, 100, THRESHOLDS)
    assert (mark, crossed) == (InactivityMark(SPELL, 180), None)

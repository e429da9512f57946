"""The targets' time, pure: business time on a calendar (24x7, and working hours with a
weekend and a holiday, across a daylight-saving change), and the ticket's SLA clock (pause
and resume, re-planning that keeps the time already spent and paused, the warning point)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from crm_shared.contracts.support import TargetState
from crm_support.sla.calendar import AROUND_THE_CLOCK, BusinessCalendar, CalendarError
from crm_support.sla.clock import SlaClock, plan, remaining, shown_state

HOUR = 3600.0
WEEKDAYS_8_TO_18 = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:00-18:00")
# Monday 2026-12-07 09:00 UTC; Friday 2026-12-25 is a holiday.
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
OFFICE = BusinessCalendar(WEEKDAYS_8_TO_18, "UTC", [date(2026, 12, 25)])


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_around_the_clock_is_wall_time() -> None:
    assert AROUND_THE_CLOCK.add(MONDAY_9, 2 * HOUR) == MONDAY_9 + timedelta(hours=2)
    assert AROUND_THE_CLOCK.elapsed(MONDAY_9, MONDAY_9 + timedelta(days=1)) == 24 * HOUR


def test_within_one_working_day() -> None:
    assert OFFICE.add(MONDAY_9, 2 * HOUR) == at(7, 11)


def test_a_span_carries_over_the_night_and_the_weekend() -> None:
    friday_1730 = at(11, 17, 30)
    assert OFFICE.add(friday_1730, 2 * HOUR) == at(14, 9, 30)  # Monday 09:30
    assert OFFICE.elapsed(friday_1730, at(14, 9, 30)) == 2 * HOUR


def test_a_holiday_is_closed_all_day() -> None:
    thursday_17 = at(24, 17)
    # Thursday 17-18, Friday (holiday) and the weekend closed, Monday from 08:00.
    assert OFFICE.add(thursday_17, 3 * HOUR) == at(28, 10)


def test_outside_hours_the_span_starts_at_the_next_opening() -> None:
    saturday = at(12, 12)
    assert OFFICE.add(saturday, 1 * HOUR) == at(14, 9)
    assert OFFICE.elapsed(saturday, at(13, 23)) == 0


def test_one_business_day_is_ten_working_hours_later() -> None:
    assert OFFICE.add(MONDAY_9, 24 * HOUR) == at(9, 13)  # 9 (Mon) + 10 (Tue) + 5 (Wed)


def test_working_hours_are_local_across_a_daylight_saving_change() -> None:
    berlin = BusinessCalendar({"mon": "08:00-18:00", "fri": "08:00-18:00"}, "Europe/Berlin")
    # Friday 2026-03-27 17:00 Berlin (16:00 UTC, CET); Monday 03-30 is CEST (UTC+2).
    friday_17 = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)
    assert berlin.add(friday_17, 2 * HOUR) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_a_calendar_needs_a_working_day_and_sane_hours() -> None:
    with pytest.raises(CalendarError):
        BusinessCalendar({})
    with pytest.raises(CalendarError):
        BusinessCalendar({"mon": "18:00-08:00"})
    with pytest.raises(CalendarError):
        BusinessCalendar({"moonday": "08:00-18:00"})


def test_the_clock_counts_only_while_running() -> None:
    clock = SlaClock(0.0, MONDAY_9)
    one_hour_later = MONDAY_9 + timedelta(hours=1)
    paused = clock.pause(one_hour_later, AROUND_THE_CLOCK)
    assert paused.paused
    assert paused.consumed == HOUR
    assert paused.reading(one_hour_later + timedelta(days=3), AROUND_THE_CLOCK) == HOUR
    resumed = paused.resume(one_hour_later + timedelta(days=3))
    assert resumed.reading(one_hour_later + timedelta(days=3, hours=1), AROUND_THE_CLOCK) == (
        2 * HOUR
    )


def test_a_pause_moves_the_due_time_by_the_pause() -> None:
    clock = SlaClock(0.0, MONDAY_9)
    before = plan(clock, 0.0, 2 * HOUR, 0.8, MONDAY_9, AROUND_THE_CLOCK)
    assert before.state == TargetState.RUNNING
    assert before.due_at == MONDAY_9 + timedelta(hours=2)
    paused_at = MONDAY_9 + timedelta(minutes=30)
    paused = clock.pause(paused_at, AROUND_THE_CLOCK)
    during = plan(paused, 0.0, 2 * HOUR, 0.8, paused_at, AROUND_THE_CLOCK)
    assert during == type(during)(TargetState.PAUSED, None, None)
    back = paused_at + timedelta(hours=5)
    after = plan(paused.resume(back), 0.0, 2 * HOUR, 0.8, back, AROUND_THE_CLOCK)
    assert after.due_at == MONDAY_9 + timedelta(hours=7)  # two hours plus the five paused


def test_a_replan_keeps_the_time_already_spent_and_paused() -> None:
    clock = SlaClock(0.0, MONDAY_9).pause(MONDAY_9 + timedelta(hours=1), AROUND_THE_CLOCK)
    back = MONDAY_9 + timedelta(hours=4)
    resumed = clock.resume(back)
    # A one-day target halved by a higher priority: 12 hours, one of which is spent.
    replanned = plan(resumed, 0.0, 12 * HOUR, 0.8, back, AROUND_THE_CLOCK)
    assert replanned.due_at == back + timedelta(hours=11)
    assert remaining(resumed, 0.0, 12 * HOUR, back, AROUND_THE_CLOCK) == 11 * HOUR


def test_a_replan_shortened_into_the_past_is_due_now() -> None:
    clock = SlaClock(0.0, MONDAY_9)
    now = MONDAY_9 + timedelta(hours=3)
    assert plan(clock, 0.0, 2 * HOUR, 0.8, now, AROUND_THE_CLOCK).due_at == now


def test_the_warning_point_and_the_state_shown() -> None:
    target = plan(SlaClock(0.0, MONDAY_9), 0.0, 10 * HOUR, 0.8, MONDAY_9, OFFICE)
    assert target.at_risk_at == at(7, 17)  # eight working hours in
    assert target.due_at == at(8, 9)  # two more: Tuesday 09:00
    assert shown_state(TargetState.RUNNING, target.at_risk_at, at(7, 16)) == TargetState.RUNNING
    assert shown_state(TargetState.RUNNING, target.at_risk_at, at(7, 17)) == TargetState.AT_RISK
    assert shown_state(TargetState.MET, target.at_risk_at, at(8, 10)) == TargetState.MET

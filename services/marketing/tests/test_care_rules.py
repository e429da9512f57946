"""Proactive care's rules (a VIP's periodic call, care before promotion), the sender's
care-first skip, and a member event's timing. Pure: no database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from crm_marketing.care import rules
from crm_marketing.member_events.rules import (
    MemberEventStatus,
    cancellable,
    message_inconsistencies,
    reminder_at,
    timing_inconsistencies,
)
from crm_marketing.sends.rules import Policy, Send, Skip, SkipReason, decide
from crm_shared.contracts.analytics import ChurnLevel
from crm_shared.contracts.marketing import MarketingChannel

NOW = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
DAYS_90 = timedelta(days=90)
POLICY = Policy(3, timedelta(days=7), time(21, 0), time(8, 0), "UTC")
CUSTOMER = {"id": "c1", "status": "active", "email": "a@example.org", "consent": {"email": True}}
EMAIL = MarketingChannel.EMAIL


def test_only_the_vip_classes_the_settings_name_get_the_periodic_call() -> None:
    assert rules.is_vip("VIP", ["VIP"])
    assert not rules.is_vip("A", ["VIP"])
    assert not rules.is_vip(None, ["VIP"])
    assert rules.is_vip("A", ["VIP", "A"])


@pytest.mark.parametrize(
    ("known", "level", "rose"),
    [
        (None, ChurnLevel.HIGH, True),
        (ChurnLevel.LOW, ChurnLevel.HIGH, True),
        (ChurnLevel.MEDIUM, ChurnLevel.HIGH, True),
        (ChurnLevel.HIGH, ChurnLevel.HIGH, False),  # still high: the same rise
        (ChurnLevel.LOW, ChurnLevel.MEDIUM, False),
        (ChurnLevel.HIGH, ChurnLevel.LOW, False),
    ],
)
def test_a_rise_is_high_after_anything_else(
    known: ChurnLevel | None, level: ChurnLevel, rose: bool
) -> None:
    assert rules.rose_to_high(known, level) is rose


def test_an_older_scoring_run_changes_nothing() -> None:
    assert rules.is_newer(None, 1)
    assert rules.is_newer(1, 2)
    assert not rules.is_newer(2, 2)
    assert not rules.is_newer(3, 2)


def test_promotions_wait_the_set_days_after_a_rise_or_not_at_all() -> None:
    assert rules.care_until(NOW, 14) == NOW + timedelta(days=14)
    assert rules.care_until(NOW, 0) is None


def test_the_next_call_keeps_the_rhythm_but_never_lies_in_the_past() -> None:
    assert rules.next_call(NOW, NOW, DAYS_90) == NOW + DAYS_90
    late = NOW + timedelta(days=3)  # the worker fired it late: the rhythm stays
    assert rules.next_call(NOW, late, DAYS_90) == NOW + DAYS_90
    long_down = NOW + timedelta(days=200)  # no run of calls to catch up
    assert rules.next_call(NOW, long_down, DAYS_90) == long_down + DAYS_90


def test_a_day_number_is_one_per_calendar_day() -> None:
    assert rules.day_number(NOW) == rules.day_number(NOW.replace(hour=23))
    assert rules.day_number(NOW + timedelta(days=1)) == rules.day_number(NOW) + 1


def test_a_promotion_waits_while_the_customer_gets_care_first() -> None:
    held = NOW + timedelta(days=1)
    assert decide(CUSTOMER, EMAIL, 0, NOW, POLICY, care_until=held) == Skip(SkipReason.CARE_FIRST)
    care = decide(CUSTOMER, EMAIL, 0, NOW, POLICY, promotional=False, care_until=held)
    assert care == Send("a@example.org")
    after = decide(CUSTOMER, EMAIL, 0, held, POLICY, care_until=held)
    assert after == Send("a@example.org")


def test_consent_still_comes_before_care_first() -> None:
    refused = {**CUSTOMER, "consent": {"email": False}}
    held = NOW + timedelta(days=1)
    assert decide(refused, EMAIL, 0, NOW, POLICY, care_until=held) == Skip(SkipReason.NO_CONSENT)


STARTS = NOW + timedelta(days=7)


def test_the_reminder_goes_the_lead_before_the_event() -> None:
    assert reminder_at(STARTS, 48) == STARTS - timedelta(hours=48)


@pytest.mark.parametrize(
    ("starts_at", "invite_at", "lead", "field"),
    [
        (NOW, None, 48, "starts_at"),
        (NOW - timedelta(days=1), None, 48, "starts_at"),
        (STARTS, STARTS, 48, "invite_at"),
        (STARTS, None, 24 * 7, "reminder_lead_hours"),  # the reminder would be now
        (STARTS, STARTS - timedelta(days=2), 72, "reminder_lead_hours"),
    ],
)
def test_an_event_ahead_its_invitations_first_then_the_reminder(
    starts_at: datetime, invite_at: datetime | None, lead: int, field: str
) -> None:
    [(where, _)] = timing_inconsistencies(starts_at, invite_at, lead, NOW)
    assert where == field


def test_a_consistent_event() -> None:
    assert timing_inconsistencies(STARTS, None, 48, NOW) == []
    assert timing_inconsistencies(STARTS, NOW - timedelta(days=1), 48, NOW) == []  # at once
    assert timing_inconsistencies(STARTS, NOW + timedelta(days=1), 48, NOW) == []


def test_an_e_mail_needs_a_subject_and_html_is_for_e_mail_only() -> None:
    messages = [("invitation", None, None), ("reminder", "Soon", "<p>Soon</p>")]
    assert message_inconsistencies(EMAIL, messages) == [
        ("invitation.subject", "an e-mail needs a subject")
    ]
    assert message_inconsistencies(MarketingChannel.SMS, messages) == [
        ("reminder.html", "an HTML part is for e-mail only")
    ]


def test_an_event_is_cancelled_once_and_before_it_starts() -> None:
    assert cancellable(MemberEventStatus.SCHEDULED, STARTS, NOW) is None
    assert cancellable(MemberEventStatus.CANCELLED, STARTS, NOW) is not None
    assert cancellable(MemberEventStatus.SCHEDULED, STARTS, STARTS) is not None


def test_a_greeting_day_is_the_customers_own_date_past_the_greeting_time() -> None:
    nine = time(9, 0)
    midnight_utc = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)
    assert rules.greeting_day(midnight_utc, ZoneInfo("Pacific/Auckland"), nine) == date(
        2026, 12, 6
    )  # 13:00 there
    assert rules.greeting_day(midnight_utc, ZoneInfo("America/Los_Angeles"), nine) == date(
        2026, 12, 5
    )  # 16:00 there
    assert rules.greeting_day(midnight_utc, ZoneInfo("UTC"), nine) is None  # too early


@pytest.mark.parametrize(
    ("born", "day", "greeted"),
    [
        (date(1990, 12, 6), date(2026, 12, 6), True),
        (date(1990, 12, 6), date(2026, 12, 5), False),
        (date(1996, 2, 29), date(2027, 2, 28), True),  # no 29th this year
        (date(1996, 2, 29), date(2028, 2, 28), False),  # the 29th comes
        (date(1996, 2, 29), date(2028, 2, 29), True),
    ],
)
def test_a_birthday_and_the_leap_day(born: date, day: date, greeted: bool) -> None:
    assert rules.is_birthday(born, day) is greeted


def test_every_zones_date_is_within_a_day_of_utcs() -> None:
    now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert rules.days_somewhere(now) == [date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1)]

"""Consent to the letter: who may get a message now, and the quiet hours."""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from crm_marketing.sends.rules import (
    Policy,
    Send,
    Skip,
    SkipReason,
    Wait,
    customer_zone,
    decide,
    quiet_until,
)
from crm_shared.contracts.marketing import MarketingChannel

POLICY = Policy(
    frequency_cap=3,
    frequency_window=timedelta(days=7),
    quiet_start=time(21, 0),
    quiet_end=time(8, 0),
    time_zone="Europe/Berlin",
)
NOON = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)  # 12:00 in Berlin (summer time)
EMAIL = MarketingChannel.EMAIL


ADDRESS = {
    "street": "Invalidenstr. 1",
    "postal_code": "10115",
    "city": "Berlin",
    "region": None,
    "country": "DE",
}


def customer(**fields: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "status": "active",
        "email": "ada@example.org",
        "phone": "+442079460000",
        "consent": {"email": True, "sms": False},
        **fields,
    }


@pytest.mark.parametrize(
    ("record", "channel", "reason"),
    [
        (None, EMAIL, SkipReason.UNKNOWN_CUSTOMER),
        (customer(status="erased"), EMAIL, SkipReason.ERASED),
        (customer(status="merged"), EMAIL, SkipReason.MERGED),
        (customer(), MarketingChannel.SMS, SkipReason.NO_CONSENT),
        (customer(consent={}), EMAIL, SkipReason.NO_CONSENT),
        (customer(consent={"email": False}), EMAIL, SkipReason.NO_CONSENT),
        (customer(email=None), EMAIL, SkipReason.NO_ADDRESS),
        (customer(consent={"post": True}), MarketingChannel.MAIL, SkipReason.NO_ADDRESS),
        (customer(postal_address=ADDRESS), MarketingChannel.MAIL, SkipReason.NO_CONSENT),
        (
            customer(consent={"post": True}, postal_address={**ADDRESS, "postal_code": None}),
            MarketingChannel.MAIL,
            SkipReason.INCOMPLETE_ADDRESS,
        ),
        (
            customer(
                consent={"post": True}, postal_address={**ADDRESS, "city": "", "country": None}
            ),
            MarketingChannel.MAIL,
            SkipReason.INCOMPLETE_ADDRESS,
        ),
    ],
)
def test_every_skip_has_its_reason(
    record: dict[str, Any] | None, channel: MarketingChannel, reason: SkipReason
) -> None:
    assert decide(record, channel, 0, NOON, POLICY) == Skip(reason)


def test_a_consenting_customer_with_an_address_gets_it() -> None:
    assert decide(customer(), EMAIL, 2, NOON, POLICY) == Send("ada@example.org")
    sms = customer(consent={"sms": True})
    assert decide(sms, MarketingChannel.SMS, 0, NOON, POLICY) == Send("+442079460000")


def test_a_letter_needs_post_consent_and_a_street_postal_code_and_city_or_country() -> None:
    letter = customer(consent={"post": True}, postal_address=ADDRESS)
    assert decide(letter, MarketingChannel.MAIL, 0, NOON, POLICY) == Send(
        "Invalidenstr. 1, 10115 Berlin, DE"
    )
    no_city = customer(consent={"post": True}, postal_address={**ADDRESS, "city": None})
    assert decide(no_city, MarketingChannel.MAIL, 0, NOON, POLICY) == Send(
        "Invalidenstr. 1, 10115, DE"
    )
    assert decide(letter, MarketingChannel.MAIL, 3, NOON, POLICY) == Skip(SkipReason.FREQUENCY_CAP)


def test_the_frequency_cap_counts_everything_sent_lately() -> None:
    assert decide(customer(), EMAIL, 3, NOON, POLICY) == Skip(SkipReason.FREQUENCY_CAP)


def test_inside_the_quiet_hours_a_message_waits_for_their_end() -> None:
    late = datetime(2026, 6, 2, 20, 30, tzinfo=UTC)  # 22:30 in Berlin
    morning = datetime(2026, 6, 3, 8, 0, tzinfo=UTC) - timedelta(hours=2)  # 08:00 Berlin
    assert decide(customer(), EMAIL, 0, late, POLICY) == Wait(morning)
    # A call task is planned by its owner: no quiet hours.
    phone = customer(consent={"phone": True})
    assert decide(phone, MarketingChannel.PHONE, 0, late, POLICY) == Send("+442079460000")
    # A letter is printed and posted later: no quiet hours either.
    letter = customer(consent={"post": True}, postal_address=ADDRESS)
    assert isinstance(decide(letter, MarketingChannel.MAIL, 0, late, POLICY), Send)


@pytest.mark.parametrize(
    ("local", "until"),
    [
        ("2026-06-02T20:59", None),
        ("2026-06-02T21:00", "2026-06-03T08:00"),
        ("2026-06-03T00:30", "2026-06-03T08:00"),
        ("2026-06-03T07:59", "2026-06-03T08:00"),
        ("2026-06-03T08:00", None),
    ],
)
def test_quiet_hours_across_midnight(local: str, until: str | None) -> None:
    zone = POLICY.time_zone
    now = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
    expected = datetime.fromisoformat(until).replace(tzinfo=ZoneInfo(zone)) if until else None
    assert quiet_until(now, POLICY) == expected


def test_quiet_hours_within_a_day_and_none() -> None:
    lunch = Policy(3, timedelta(days=7), time(12, 0), time(14, 0), "UTC")
    assert quiet_until(datetime(2026, 6, 2, 13, tzinfo=UTC), lunch) == datetime(
        2026, 6, 2, 14, tzinfo=UTC
    )
    assert quiet_until(datetime(2026, 6, 2, 15, tzinfo=UTC), lunch) is None
    never = Policy(3, timedelta(days=7), time(0, 0), time(0, 0), "UTC")
    assert quiet_until(datetime(2026, 6, 2, 3, tzinfo=UTC), never) is None


def test_quiet_hours_follow_the_customers_own_zone_at_night_there() -> None:
    # 12:00 in Berlin (the service's zone) is 22:00 in Auckland (winter, UTC+12).
    kiwi = customer(time_zone="Pacific/Auckland")
    auckland_morning = datetime(2026, 6, 3, 8, 0, tzinfo=ZoneInfo("Pacific/Auckland"))
    assert decide(kiwi, EMAIL, 0, NOON, POLICY) == Wait(auckland_morning)
    assert decide(customer(), EMAIL, 0, NOON, POLICY) == Send("ada@example.org")


def test_quiet_hours_follow_the_customers_own_zone_by_day_there() -> None:
    berlin_midnight = datetime(2026, 6, 2, 22, 0, tzinfo=UTC)  # 15:00 in Los Angeles
    angeleno = customer(time_zone="America/Los_Angeles")
    assert decide(angeleno, EMAIL, 0, berlin_midnight, POLICY) == Send("ada@example.org")
    assert isinstance(decide(customer(), EMAIL, 0, berlin_midnight, POLICY), Wait)


def test_a_zone_this_machine_does_not_know_falls_back_to_the_services() -> None:
    berlin_midnight = datetime(2026, 6, 2, 22, 0, tzinfo=UTC)
    unknown = customer(time_zone="Mars/Olympus_Mons")
    assert decide(unknown, EMAIL, 0, berlin_midnight, POLICY) == decide(
        customer(), EMAIL, 0, berlin_midnight, POLICY
    )
    assert customer_zone(unknown, "Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert customer_zone(None, "UTC") == ZoneInfo("UTC")

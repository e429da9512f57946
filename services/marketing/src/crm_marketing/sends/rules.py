"""Whether a message may go to a customer now: consent to the letter (DOMAIN.md §5). Pure.

A message goes only over a channel the customer opted into, to an address they have, never
to an erased (or merged-away) customer, never past the frequency cap, and never inside the
quiet hours of the customer's day (it waits for their end instead): in the customer's own
time zone where the master knows it, else in the service's. A customer whose churn
risk rose gets a care call first: promotional (non-care) messages to them are held back for a
while (``care_first``). Every skip has a reason the campaign's results count.

A letter needs ``post`` consent and a postal address complete enough for the post: a street,
a postal code, and a city or a country. Quiet hours do not apply to it (it is printed and
posted later, and arrives days after).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_shared.contracts.marketing import CONSENT_OF_CHANNEL, MarketingChannel


class SkipReason(StrEnum):
    UNKNOWN_CUSTOMER = "unknown_customer"  # marketing never heard of them
    ERASED = "erased"
    MERGED = "merged"  # the survivor has its own membership
    NO_CONSENT = "no_consent"
    NO_ADDRESS = "no_address"
    INCOMPLETE_ADDRESS = "incomplete_address"  # a letter's address lacks a part the post needs
    FREQUENCY_CAP = "frequency_cap"
    CARE_FIRST = "care_first"  # a promotion while the customer's churn risk gets care first
    TEMPLATE_ERROR = "template_error"  # the message could not be personalised for them
    CAMPAIGN_ENDED = "campaign_ended"  # still waiting when the campaign stopped or ended


# The customer view's column that holds each channel's address.
ADDRESS_FIELD: dict[MarketingChannel, str] = {
    MarketingChannel.EMAIL: "email",
    MarketingChannel.SMS: "phone",
    MarketingChannel.PHONE: "phone",
    MarketingChannel.MAIL: "postal_address",
}
# Channels that reach the customer at once, and so keep out of the quiet hours (a call task
# is planned by its owner, a letter arrives days later).
IMMEDIATE = frozenset({MarketingChannel.EMAIL, MarketingChannel.SMS})


@dataclass(frozen=True)
class Policy:
    frequency_cap: int
    frequency_window: timedelta
    quiet_start: time
    quiet_end: time
    time_zone: str


@dataclass(frozen=True)
class Send:
    address: str


@dataclass(frozen=True)
class Skip:
    reason: SkipReason


@dataclass(frozen=True)
class Wait:
    until: datetime


Decision = Send | Skip | Wait


def decide(
    customer: Mapping[str, Any] | None,
    channel: MarketingChannel,
    sent_lately: int,
    now: datetime,
    policy: Policy,
    *,
    promotional: bool = True,
    care_until: datetime | None = None,
) -> Decision:
    """What to do with one message now; ``sent_lately``: the customer's marketing messages
    over the cap's window; ``care_until``: the end of the customer's care-first hold (a
    promotional message before it is skipped, a care programme's goes)."""
    if customer is None:
        return Skip(SkipReason.UNKNOWN_CUSTOMER)
    if customer.get("status") == "erased":
        return Skip(SkipReason.ERASED)
    if customer.get("status") == "merged":
        return Skip(SkipReason.MERGED)
    consent = customer.get("consent") or {}
    if consent.get(CONSENT_OF_CHANNEL[channel].value) is not True:
        return Skip(SkipReason.NO_CONSENT)
    address = customer.get(ADDRESS_FIELD[channel])
    if not address:
        return Skip(SkipReason.NO_ADDRESS)
    if promotional and care_until is not None and now < care_until:
        return Skip(SkipReason.CARE_FIRST)
    if channel == MarketingChannel.MAIL:
        if not postal_address_complete(address):
            return Skip(SkipReason.INCOMPLETE_ADDRESS)
        address = postal_label(address)
    if sent_lately >= policy.frequency_cap:
        return Skip(SkipReason.FREQUENCY_CAP)
    if channel in IMMEDIATE:
        until = quiet_until(now, policy, customer_zone(customer, policy.time_zone))
        if until is not None:
            return Wait(until)
    return Send(str(address))


POSTAL_PARTS = ("street", "postal_code", "city", "region", "country")


def postal_address_complete(address: Mapping[str, Any]) -> bool:
    """What the post needs: a street, a postal code, and a city or a country."""
    has = {part: bool(str(address.get(part) or "").strip()) for part in POSTAL_PARTS}
    return has["street"] and has["postal_code"] and (has["city"] or has["country"])


def postal_label(address: Mapping[str, Any]) -> str:
    """The address on one line, as the message keeps it: "1 Main St, 10115 Berlin, DE"."""
    place = " ".join(str(address[p]) for p in ("postal_code", "city") if address.get(p))
    parts = (address.get("street"), place, address.get("region"), address.get("country"))
    return ", ".join(str(part) for part in parts if part)


def customer_zone(customer: Mapping[str, Any] | None, fallback: str) -> ZoneInfo:
    """The customer's own time zone where known, else ``fallback`` (the service's). A name
    this machine's time zone database lacks (the master's may be newer) falls back too."""
    name = customer.get("time_zone") if customer is not None else None
    if name:
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(fallback)


def quiet_until(now: datetime, policy: Policy, zone: ZoneInfo | None = None) -> datetime | None:
    """The end of the quiet hours ``now`` falls in, in ``zone`` (the customer's; by default
    the policy's), else None. The hours may span midnight (21:00-08:00) or not
    (12:00-14:00); equal ends mean none."""
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return None
    zone = zone or ZoneInfo(policy.time_zone)
    local = now.astimezone(zone)
    clock = local.timetz().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return _at(end_day, end, zone)


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)

"""The pure rules of partner webhooks: which events a subscription pattern matches, which
permission a partner needs to receive an event, and how retries are spaced.

Patterns: ``*`` (every event), an exact type (``crm.customer.created.v1``), or a prefix of
whole segments ending in ``.*`` (``crm.*``, ``crm.customer.*``, ``crm.customer.created.*``).

Who sees what: a partner client receives an event only if its scopes hold the permission the
event's domain needs (:data:`EVENT_PERMISSIONS`, the one place that says so). Customer events
carry the customer record, so they need ``customers:read``; sales events (leads, deals,
orders, payments) need ``sales:read``, as the sales API does; support events (tickets,
targets, recoveries, surveys) need ``support:read``, as the support API does; what the other
services publish about a customer (marketing activity, analytics scores) is what the 360
profile shows, so it needs ``profiles:read``. A domain not listed (``crm.identity``) is never
delivered to partners.
"""

from datetime import timedelta
from enum import StrEnum

from crm_shared.auth.permissions import Permission

EVERYTHING = "*"
WILDCARD_SUFFIX = ".*"
# A pattern as the API accepts it (the schema's regular expression).
PATTERN_REGEX = r"^(\*|crm\.\*|crm\.[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)$"

EVENT_PERMISSIONS: dict[str, Permission] = {
    "crm.customer.": Permission.CUSTOMERS_READ,
    "crm.sales.": Permission.SALES_READ,
    "crm.support.": Permission.SUPPORT_READ,
    "crm.marketing.": Permission.CAMPAIGNS_READ,
    "crm.analytics.": Permission.ANALYTICS_READ,
}


# Why a delivery about an erased customer was cancelled (its payload is gone too).
ERASED = "customer erased"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or for the subscription's enabling)
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # every retry failed
    CANCELLED = "cancelled"  # no longer deliverable: customer erased, client revoked, ...


class DisabledReason(StrEnum):
    CONSECUTIVE_FAILURES = "consecutive-failures"
    RETRIES_EXHAUSTED = "retries-exhausted"


def matches(pattern: str, event_type: str) -> bool:
    if pattern in (EVERYTHING, event_type):
        return True
    if pattern.endswith(WILDCARD_SUFFIX):
        return event_type.startswith(pattern[:-1])  # "crm.customer." (keeps the dot)
    return False


def matches_any(patterns: list[str], event_type: str) -> bool:
    return any(matches(pattern, event_type) for pattern in patterns)


def permission_for(event_type: str) -> Permission | None:
    """The permission a partner needs to receive ``event_type``; None: never delivered."""
    for prefix, permission in EVENT_PERMISSIONS.items():
        if event_type.startswith(prefix):
            return permission
    return None


def may_receive(scopes: list[str] | frozenset[str], event_type: str) -> bool:
    permission = permission_for(event_type)
    return permission is not None and permission.value in scopes


def permissions_for_pattern(pattern: str) -> set[Permission]:
    """Every permission needed to receive everything ``pattern`` can match (empty: it can
    match no event a partner may receive)."""
    if pattern == EVERYTHING:
        return set(EVENT_PERMISSIONS.values())
    if pattern.endswith(WILDCARD_SUFFIX):
        stem = pattern[:-1]  # "crm." or "crm.customer." or "crm.customer.created."
        return {
            permission
            for prefix, permission in EVENT_PERMISSIONS.items()
            if prefix.startswith(stem) or stem.startswith(prefix)
        }
    permission = permission_for(pattern)
    return {permission} if permission is not None else set()


def missing_permissions(pattern: str, scopes: list[str] | frozenset[str]) -> set[Permission]:
    return {p for p in permissions_for_pattern(pattern) if p.value not in scopes}


def retry_delay(schedule: list[float], failed_attempts: int) -> timedelta | None:
    """The wait before the next attempt after ``failed_attempts`` failed ones (the first
    attempt is immediate); None when the schedule is used up: the delivery has failed."""
    if failed_attempts < 1 or failed_attempts > len(schedule):
        return None
    return timedelta(seconds=schedule[failed_attempts - 1])

"""What tests of any service need: builders of real ``crm.customer`` and ``crm.identity``
user events, a way to deliver events as the consumer does, an in-process HTTP client for an
app, fresh databases (``crm_shared.testing.databases``) and a fake clock."""

from crm_shared.clock import FakeClock
from crm_shared.testing.apps import app_client
from crm_shared.testing.auth import bearer, token_for, trusting_verifier
from crm_shared.testing.customer_events import (
    PERSONAL,
    T0,
    at,
    consent_changed,
    created,
    credit_rated,
    erased,
    lifecycle_changed,
    merged,
    snapshot,
    uid,
    updated,
)
from crm_shared.testing.delivery import deliver, deliveries_of, envelope_of
from crm_shared.testing.identity_events import (
    team_changed,
    team_created,
    user_changed,
    user_created,
)
from crm_shared.testing.outbox import OutboxEvent, outbox_events
from crm_shared.testing.problems import assert_problem

__all__ = [
    "PERSONAL",
    "T0",
    "FakeClock",
    "OutboxEvent",
    "app_client",
    "assert_problem",
    "at",
    "bearer",
    "consent_changed",
    "created",
    "credit_rated",
    "deliver",
    "deliveries_of",
    "envelope_of",
    "erased",
    "lifecycle_changed",
    "merged",
    "outbox_events",
    "snapshot",
    "team_changed",
    "team_created",
    "token_for",
    "trusting_verifier",
    "uid",
    "updated",
    "user_changed",
    "user_created",
]

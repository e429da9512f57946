"""Imports every model so that the metadata (and the mapper registry) is complete."""

from crm_identity.clients.models import PartnerClient
from crm_identity.db import Base, platform_tables
from crm_identity.keys.models import SigningKey
from crm_identity.teams.models import Team
from crm_identity.users.models import User
from crm_identity.webhooks.models import (
    ErasedCustomer,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = [
    "Base",
    "ErasedCustomer",
    "PartnerClient",
    "SigningKey",
    "Team",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "platform_tables",
]

"""Topics: one per producing service, keyed by customer id, plus the dead-letter topic.

Every topic is created with a time-based retention no longer than the outbox's
(``CRM_OUTBOX_RETENTION_DAYS``): events carry personal data, and an erasure cannot reach into
the broker's log, so how long the log keeps an event is how long an erased person's data may
outlive the erasure there. A view that falls further behind than that is rebuilt from the
source's outbox (``POST /v1/admin/outbox/replay``), which keeps sent events exactly as long.
Kafka deletes a log segment once its newest event is older than ``retention.ms``, and closes a
segment after ``segment.ms``: an event stays at most ``retention.ms + segment.ms`` (plus the
broker's retention check interval, five minutes by default). See the README, "Privacy".
"""

import logging
import os

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    InvalidConfigurationError,
    PolicyViolationError,
    TopicAlreadyExistsError,
)

from crm_shared.settings import ServiceSettings

CUSTOMER = "crm.customer"
MARKETING = "crm.marketing"
SALES = "crm.sales"
SUPPORT = "crm.support"
ANALYTICS = "crm.analytics"
IDENTITY = "crm.identity"
DEAD_LETTER = "crm.dlq"

DOMAIN_TOPICS: tuple[str, ...] = (CUSTOMER, MARKETING, SALES, SUPPORT, ANALYTICS, IDENTITY)
ALL_TOPICS: tuple[str, ...] = (*DOMAIN_TOPICS, DEAD_LETTER)

DAY_MS = 86_400_000
# Answers to a topic created with configs the broker will not take: the topic is created
# again without them (it then keeps the broker's default retention, and we say so).
_CONFIG_REFUSED = {InvalidConfigurationError.errno, PolicyViolationError.errno}

log = logging.getLogger(__name__)


def outbox_retention_days() -> float:
    """``CRM_OUTBOX_RETENTION_DAYS`` from the environment, or the settings' default."""
    value = os.environ.get("CRM_OUTBOX_RETENTION_DAYS")
    if value:
        return float(value)
    default: float = ServiceSettings.model_fields["outbox_retention_days"].default
    return default


def topic_configs(retention_days: float) -> dict[str, str]:
    """The configs every CRM topic is created with: delete events after ``retention_days``,
    in segments of at most a day, so that a deletion is never late by more than a day."""
    retention_ms = max(int(retention_days * DAY_MS), 1)
    return {
        "cleanup.policy": "delete",
        "retention.ms": str(retention_ms),
        "segment.ms": str(min(retention_ms, DAY_MS)),
    }


async def ensure_topics(
    bootstrap: str,
    partitions: int,
    topics: tuple[str, ...] = ALL_TOPICS,
    *,
    retention_days: float | None = None,
) -> list[str]:
    """Create whichever topics are missing, with the configs of :func:`topic_configs`
    (``retention_days`` defaults to ``CRM_OUTBOX_RETENTION_DAYS``); returns the ones
    created. Safe to call any time (a memory-only development broker forgets its topics when
    it restarts). Topics that exist already keep their configs."""
    days = outbox_retention_days() if retention_days is None else retention_days
    configs = topic_configs(days)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
            return []
        errors = await _create(admin, missing, partitions, configs)
        refused = [topic for topic, code in errors.items() if code in _CONFIG_REFUSED]
        if refused:
            log.warning(
                "the broker refused the topic configs %s; topics %s are created with the "
                "broker's default retention instead",
                configs, refused,
            )  # fmt: skip
            for topic in refused:
                del errors[topic]
            errors.update(await _create(admin, refused, partitions, {}))
        for topic, code in errors.items():
            log.warning("could not create topic %s: Kafka error code %d", topic, code)
        created = [t for t in missing if t not in errors]
        log.info("created topics", extra={"context": {"topics": created, "configs": configs}})
        return created
    finally:
        await admin.close()


async def _create(
    admin: AIOKafkaAdminClient, names: list[str], partitions: int, configs: dict[str, str]
) -> dict[str, int]:
    """Create ``names``; returns the error code of each topic the broker did not create
    (one another service created between our list and our create counts as created)."""
    new_topics = [
        NewTopic(name, num_partitions=partitions, replication_factor=1, topic_configs=configs)
        for name in names
    ]
    response = await admin.create_topics(new_topics)
    errors: dict[str, int] = {}
    for topic, code, *_message in response.topic_errors:
        if code not in (0, TopicAlreadyExistsError.errno):
            errors[topic] = code
    return errors

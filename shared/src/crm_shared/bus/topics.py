"""Topics: one per producing service, keyed by customer id, plus the dead-letter topic."""

import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

CUSTOMER = "crm.customer"
MARKETING = "crm.marketing"
SALES = "crm.sales"
SUPPORT = "crm.support"
ANALYTICS = "crm.analytics"
DEAD_LETTER = "crm.dlq"

DOMAIN_TOPICS: tuple[str, ...] = (CUSTOMER, MARKETING, SALES, SUPPORT, ANALYTICS)
ALL_TOPICS: tuple[str, ...] = (*DOMAIN_TOPICS, DEAD_LETTER)

log = logging.getLogger(__name__)


async def ensure_topics(
    bootstrap: str, partitions: int, topics: tuple[str, ...] = ALL_TOPICS
) -> list[str]:
    """Create whichever topics are missing; returns the ones created. Safe to call any time
    (a memory-only development broker forgets its topics when it restarts)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
            return []
        new_topics = [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in missing]
        # Another service may create one between our list and our create.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(new_topics)
        log.info("created topics", extra={"context": {"topics": missing}})
        return missing
    finally:
        await admin.close()

"""Topics are created with a retention no longer than the outbox's (CRM_OUTBOX_RETENTION_DAYS):
how long an erased person's events can stay in the broker's log."""

import uuid
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import InvalidConfigurationError
from crm_shared.bus import topics as topics_module
from crm_shared.bus.topics import DAY_MS, ensure_topics, topic_configs

pytestmark = pytest.mark.integration


async def configs_of(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)]
        )
    finally:
        await admin.close()
    (resource,) = response.resources
    return {entry[0]: entry[1] for entry in resource[4]}


def new_topic() -> str:
    return f"test.retention.{uuid.uuid4().hex[:8]}"


def test_the_configs_follow_the_outbox_retention() -> None:
    assert topic_configs(7) == {
        "cleanup.policy": "delete",
        "retention.ms": str(7 * DAY_MS),
        "segment.ms": str(DAY_MS),
    }
    assert topic_configs(0.5)["segment.ms"] == str(DAY_MS // 2)  # never longer than retention


async def test_topics_are_created_with_the_outbox_retention(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_OUTBOX_RETENTION_DAYS", "3")
    topic = new_topic()

    assert await ensure_topics(kafka_bootstrap, partitions=1, topics=(topic,)) == [topic]

    configs = await configs_of(kafka_bootstrap, topic)
    assert configs["retention.ms"] == str(3 * DAY_MS)
    assert configs["segment.ms"] == str(DAY_MS)
    assert configs["cleanup.policy"] == "delete"


async def test_without_the_variable_the_settings_default_applies(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRM_OUTBOX_RETENTION_DAYS", raising=False)
    topic = new_topic()
    await ensure_topics(kafka_bootstrap, partitions=1, topics=(topic,))
    assert (await configs_of(kafka_bootstrap, topic))["retention.ms"] == str(7 * DAY_MS)


async def test_a_broker_that_refuses_the_configs_gets_the_topics_without_them(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    create_topics = AIOKafkaAdminClient.create_topics
    requests: list[dict[str, str]] = []

    async def refusing(self: AIOKafkaAdminClient, new_topics: list[Any], **kwargs: Any) -> Any:
        requests.extend(t.topic_configs for t in new_topics)
        if any(t.topic_configs for t in new_topics):
            refused = [(t.name, InvalidConfigurationError.errno, "no") for t in new_topics]
            return type("Refused", (), {"topic_errors": refused})()
        return await create_topics(self, new_topics, **kwargs)

    monkeypatch.setattr(topics_module.AIOKafkaAdminClient, "create_topics", refusing)
    monkeypatch.delenv("CRM_OUTBOX_RETENTION_DAYS", raising=False)
    topic = new_topic()

    assert await ensure_topics(kafka_bootstrap, partitions=1, topics=(topic,)) == [topic]

    assert requests == [topic_configs(7), {}]
    assert "refused the topic configs" in caplog.text
    assert topic in await topics_on(kafka_bootstrap)


async def topics_on(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return await admin.list_topics()
    finally:
        await admin.close()

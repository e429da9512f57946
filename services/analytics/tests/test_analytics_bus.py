"""The analytics service on the real bus: events published to ``crm.customer`` become the
profile served over HTTP (bundled broker, SQLite file)."""

import uuid
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaProducer
from crm_analytics.app import create_app
from crm_analytics.settings import AnalyticsSettings
from crm_shared.bus.topics import CUSTOMER, ensure_topics
from crm_shared.contracts.customer import LifecycleStage
from crm_shared.testing import app_client, at, created, envelope_of, lifecycle_changed

from tests.helpers import wait_for

pytestmark = pytest.mark.integration


def isolated_settings(**values: Any) -> AnalyticsSettings:
    """Settings with a consumer group of its own: the session's broker is shared."""

    class IsolatedSettings(AnalyticsSettings):
        service_name: ClassVar[str] = f"analytics-test-{uuid.uuid4().hex[:8]}"

    return IsolatedSettings(**values)


async def test_published_customer_events_become_the_profile(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = isolated_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/analytics.db",
        kafka_bootstrap=kafka_bootstrap,
        kafka_idempotence=False,
    )
    customer_id = str(uuid.uuid4())
    app = create_app(settings)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False)
    await ensure_topics(kafka_bootstrap, settings.topic_partitions)
    async with app.router.lifespan_context(app):
        await producer.start()
        try:
            for event, time in (
                (created(customer_id, 1), at(0)),
                (lifecycle_changed(customer_id, 2, LifecycleStage.CUSTOMER), at(1)),
            ):
                await producer.send_and_wait(
                    CUSTOMER,
                    envelope_of(event, "crm/customer", time=time).to_json(),
                    key=customer_id.encode(),
                )
        finally:
            await producer.stop()

        async with app_client(app, "http://analytics") as http:

            async def stage_is_customer() -> bool:
                response = await http.get(f"/v1/profiles/{customer_id}")
                return response.status_code == 200 and (
                    response.json()["lifecycle"]["stage"] == "customer"
                )

            await wait_for(stage_is_customer, timeout=30, message="the profile to be projected")
            timeline = (await http.get(f"/v1/profiles/{customer_id}/timeline")).json()

    assert [entry["event_type"] for entry in timeline["items"]] == [
        "crm.customer.lifecycle_changed.v1",
        "crm.customer.created.v1",
    ]

"""BundledBroker against the real Tansu binary."""

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from crm_launcher.broker import BrokerError, BundledBroker, free_port, port_is_free
from crm_shared.bus.topics import ALL_TOPICS, CUSTOMER, ensure_topics

from tests.launcher.harness import is_running

pytestmark = pytest.mark.integration


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[BundledBroker]:
    """A broker of this test's own: unlike the session's, it may be restarted or stopped."""
    with BundledBroker(port=free_port(), log=tmp_path / "tansu.log") as broker:
        yield broker


async def topics_on(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def round_trip(bootstrap: str, topic: str) -> bytes:
    """Produce one message, consume it back in a fresh consumer group; returns its value."""
    value = uuid.uuid4().bytes
    # enable_idempotence=False: Tansu rejects the idempotent producer's InitProducerId v0.
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"customer-1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        # Tansu holds a new group's first join for about half the session timeout: the
        # default 10 s would cost 5 s here.
        session_timeout_ms=2_000,
        heartbeat_interval_ms=500,
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=10_000)
        await consumer.commit()
    finally:
        await consumer.stop()
    values = [message.value for messages in batches.values() for message in messages]
    assert values == [value]
    return value


async def test_started_broker_answers_kafka_requests(own_broker: BundledBroker) -> None:
    assert own_broker.running
    assert own_broker.bootstrap == f"127.0.0.1:{own_broker.port}"
    await ensure_topics(own_broker.bootstrap, partitions=3)
    assert set(ALL_TOPICS) <= await topics_on(own_broker.bootstrap)


async def test_restart_forgets_everything_but_works_once_topics_exist_again(
    own_broker: BundledBroker,
) -> None:
    await ensure_topics(own_broker.bootstrap, partitions=3)
    first_pid = own_broker.pid

    own_broker.restart()

    assert own_broker.pid != first_pid
    assert await topics_on(own_broker.bootstrap) == set()  # memory-only storage
    await ensure_topics(own_broker.bootstrap, partitions=3)
    await round_trip(own_broker.bootstrap, CUSTOMER)


async def test_stop_ends_the_process_and_frees_the_port(own_broker: BundledBroker) -> None:
    pid = own_broker.pid
    assert pid is not None

    own_broker.stop()

    assert not own_broker.running
    assert not is_running(pid)
    assert port_is_free(own_broker.host, own_broker.port)
    own_broker.stop()  # a second stop is harmless


def test_start_refuses_a_port_already_in_use(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        broker = BundledBroker(port=port, log=tmp_path / "tansu.log")
        with pytest.raises(BrokerError, match="already in use"):
            broker.start()
        assert not broker.running


async def test_session_broker_fixture(broker: BundledBroker, kafka_bootstrap: str) -> None:
    assert broker.running
    assert kafka_bootstrap == broker.bootstrap
    topic = f"test.session.{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, partitions=1, topics=(topic,))
    await round_trip(kafka_bootstrap, topic)

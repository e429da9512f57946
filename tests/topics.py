"""Writing and reading topics directly, as a test sees the broker (no service in between)."""

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


async def produce_raw(bootstrap: str, topic: str, key: str, *values: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, key=key.encode())
    finally:
        await producer.stop()


async def read_topic(bootstrap: str, topic: str, key: str) -> list[tuple[bytes, dict[str, str]]]:
    """Every message on ``topic`` with ``key``, from the beginning, as (value, headers).

    Reads on until a fetch brings nothing more, not just up to the listed end offsets: after
    a multi-record batch Tansu lists an end offset inside that batch (one past its first
    record), below the real end. A topic the broker does not have (yet: a restarted
    memory-only broker) reads as empty.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        if topic not in await consumer.topics():  # fetched from the broker: fresh metadata
            return []
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        found: list[tuple[bytes, dict[str, str]]] = []
        while True:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                found.extend(
                    (r.value or b"", {k: v.decode() for k, v in r.headers})
                    for r in records
                    if r.key == key.encode()
                )
            if not batch and all([await consumer.position(tp) >= end[tp] for tp in partitions]):
                return found
    finally:
        await consumer.stop()

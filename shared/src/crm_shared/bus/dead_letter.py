"""The dead-letter topic: where an event goes that a consumer cannot process.

The original key and value are kept byte for byte; the reason travels in headers, so an
operator can read why, fix the cause and re-publish the event unchanged.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from crm_shared.bus.topics import DEAD_LETTER


@dataclass(frozen=True)
class DeadLetter:
    record: ConsumerRecord[bytes, bytes]
    reason: str  # invalid_envelope, unknown_event_type, invalid_payload, handler_error
    error: str
    consumer_group: str

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            ("dlq-reason", self.reason.encode()),
            ("dlq-error", self.error[:4000].encode()),
            ("dlq-source-topic", self.record.topic.encode()),
            ("dlq-source-partition", str(self.record.partition).encode()),
            ("dlq-source-offset", str(self.record.offset).encode()),
            ("dlq-consumer-group", self.consumer_group.encode()),
            ("dlq-time", datetime.now(UTC).isoformat().encode()),
        ]


async def send_to_dead_letter(producer: AIOKafkaProducer, letter: DeadLetter) -> None:
    delivery = await producer.send(
        DEAD_LETTER,
        value=letter.record.value,
        key=letter.record.key,
        headers=letter.headers(),
    )
    await delivery

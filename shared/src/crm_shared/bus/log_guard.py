"""Noticing a broker that lost events it had acknowledged.

Apache Kafka never loses an ``acks=all`` write, so on Kafka this guard never fires. The
bundled development broker keeps its log in memory: when it restarts, every event it had
acknowledged is gone. Worse, until the topics are created again it acknowledges writes to
topics that no longer exist, and once they are created those writes count in the
partitions' end offsets but can never be read (Tansu 0.6): so neither an empty partition
nor a missing topic is proof enough, they only tell while the window lasts.

The proof the guard relies on is a marker it leaves in the broker's state: an offset
committed for a consumer group of its own (one per relay process, never joined by anyone).
A broker that still holds the marker has kept its state; one that lost it restarted, and
the relay then publishes its kept outbox again, after creating the topics it needs. An
acknowledgement at or below an offset already acknowledged is a quicker proof of the same.
"""

import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import OffsetAndMetadata, RecordMetadata, TopicPartition

from crm_shared.bus.producer import stop_clients
from crm_shared.bus.topics import DEAD_LETTER
from crm_shared.settings import ServiceSettings

# A partition every broker of ours has once the relay made sure of its topics.
MARKER_PARTITION = TopicPartition(DEAD_LETTER, 0)
# Kafka forgets the offsets of a group without members after offsets.retention.minutes
# (7 days by default): the marker is left again well before that.
MARKER_REFRESH_SECONDS = 3600.0


class LogGuard:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.highest_acked: dict[TopicPartition, int] = {}
        self._probe: AIOKafkaConsumer | None = None
        self._marker_left_at = 0.0
        # aiokafka retries offset requests forever: each is bounded by the request timeout.
        self._deadline = settings.kafka_request_timeout_ms / 1000

    @property
    def watching(self) -> bool:
        return self._probe is not None

    def record(self, acks: list[RecordMetadata]) -> bool:
        """Remember acknowledged offsets; returns False if one proves the log went back."""
        before = dict(self.highest_acked)
        intact = True
        for ack in acks:
            partition = TopicPartition(ack.topic, ack.partition)
            if partition in before and ack.offset <= before[partition]:
                intact = False
            self.highest_acked[partition] = max(self.highest_acked.get(partition, -1), ack.offset)
        return intact

    async def watch(self) -> None:
        """Leave the marker; call once the topics exist (the marker lives in one of them)."""
        settings = self.settings
        probe = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap,
            group_id=f"crm-relay.{settings.service_name}.{uuid.uuid4().hex}",
            client_id=f"crm-{settings.service_name}-relay-guard",
            request_timeout_ms=settings.kafka_request_timeout_ms,
            enable_auto_commit=False,
        )
        try:
            await probe.start()
            probe.assign([MARKER_PARTITION])
            probe.pause(MARKER_PARTITION)  # it reads nothing: the marker is all it needs
            self._probe = probe
            await self._leave_marker()
        except BaseException:
            self._probe = None
            await stop_clients(probe)
            raise

    async def log_is_intact(self) -> bool:
        """Ask the broker whether it still holds the marker (it lost everything if not)."""
        if self._probe is None:
            return True
        marker = self._probe.committed(MARKER_PARTITION)
        if await asyncio.wait_for(marker, self._deadline) is None:
            return False
        if time.monotonic() - self._marker_left_at > MARKER_REFRESH_SECONDS:
            await self._leave_marker()
        return True

    def forget(self) -> None:
        self.highest_acked.clear()

    def detach(self) -> AIOKafkaConsumer | None:
        """Stop watching; returns the client for the caller to stop."""
        probe, self._probe = self._probe, None
        return probe

    async def _leave_marker(self) -> None:
        assert self._probe is not None
        marker = OffsetAndMetadata(0, "the outbox relay's proof that the broker kept its state")
        await asyncio.wait_for(self._probe.commit({MARKER_PARTITION: marker}), self._deadline)
        self._marker_left_at = time.monotonic()

"""Noticing a broker that lost events it had acknowledged.

Apache Kafka never loses an ``acks=all`` write, so on Kafka this guard never fires. The
bundled development broker keeps its log in memory: when it restarts, every event it had
acknowledged is gone (and, until the topics are created again, it even acknowledges writes
to topics that no longer exist). A partition's offsets only ever grow, so a log that went
backwards is proof of loss: an acknowledgement at or below an offset already acknowledged,
a topic written to that no longer exists, or a partition written to that is empty again.
The relay then publishes its kept outbox again.

(Only emptiness is checked, not the exact end offset: Tansu reports an end offset below the
last acknowledged one after a multi-record batch.)
"""

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import RecordMetadata, TopicPartition


class LogGuard:
    def __init__(self) -> None:
        self.highest_acked: dict[TopicPartition, int] = {}

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

    async def log_is_intact(self, probe: AIOKafkaConsumer) -> bool:
        """Ask the broker whether every partition written to still exists and is not empty."""
        if not self.highest_acked:
            return True
        partitions = list(self.highest_acked)
        existing = await probe.topics()  # fetched from the broker, not a cached view
        if any(tp.topic not in existing for tp in partitions):
            return False  # a topic we wrote to does not exist any more
        ends = await probe.end_offsets(partitions)
        return all(ends[tp] > 0 for tp in partitions)

    def forget(self) -> None:
        self.highest_acked.clear()

"""The idempotent consumer: applies events to a service's own view, exactly once in effect.

For each poll's records, each partition's in order:
  1. read every record: parse the CloudEvents envelope and validate its data against the
     registered model. Unreadable records go to ``crm.dlq`` (acknowledged by the broker)
     before anything else, and consumption continues;
  2. apply the readable events (all partitions' together: they share no key) in runs of up
     to CRM_CONSUMER_TRANSACTION_SIZE, one transaction per run: the inbox records the run's
     ids in one statement, events seen before are dropped, and each handler gets its new
     events in partition order (see :mod:`crm_shared.bus.handlers`); events the handlers
     record go to the outbox in the same transaction;
  3. commit the Kafka offsets only after every run of the poll is committed (or
     dead-lettered).
A transient failure (database or broker away, a versioned row changed under the run, or
PostgreSQL choosing the run as a deadlock's or a serialization conflict's victim) retries the
same run with back-off, so nothing is skipped. A run whose handler fails otherwise is rolled
back and split in halves, each applied in its own transaction, until the failing event stands
alone: only that event
is dead-lettered, after its transaction is closed (SQLite's single writer is never held
while waiting on the broker), and the events after it still apply, in order.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord, TopicPartition
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from crm_shared.bus.backoff import Backoff
from crm_shared.bus.dead_letter import DeadLetter, send_to_dead_letter
from crm_shared.bus.handlers import Delivery, Dispatcher, HandlerMap
from crm_shared.bus.producer import create_producer, stop_clients
from crm_shared.bus.tasks import being_cancelled, stop_if_cancelled
from crm_shared.db.rowset import ConcurrentInsertError
from crm_shared.db.uow import UnitOfWork
from crm_shared.events.envelope import CloudEvent, InvalidEnvelopeError
from crm_shared.events.registry import UnknownEventTypeError, parse_payload
from crm_shared.logging import describe_error
from crm_shared.metrics import EVENT_LAG, EVENTS_CONSUMED
from crm_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord[bytes, bytes]

COMMIT_TIMEOUT = 10.0

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConcurrentInsertError,
    # A versioned row changed under the run (an HTTP request wrote it first): run it again
    # on the new version.
    StaleDataError,
    OperationalError,
    InterfaceError,
    OSError,
    TimeoutError,
    KafkaError,
)
# PostgreSQL's "try again" answers: serialization failure, deadlock victim.
RETRY_SQLSTATES = frozenset({"40001", "40P01"})


def is_transient(error: BaseException) -> bool:
    """Whether running the same transaction again may well succeed."""
    if isinstance(error, TRANSIENT_ERRORS):
        return True
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in (
        RETRY_SQLSTATES
    )


class _Rejected(Exception):
    def __init__(self, reason: str, error: str) -> None:
        super().__init__(error)
        self.reason = reason


class _RunFailedError(Exception):
    """A handler failed (not transiently) while applying a run."""


class _Membership(ConsumerRebalanceListener):
    """Partitions are handed over only between batches, after their offsets are committed;
    ``joined`` says whether the group has given this member its partitions."""

    def __init__(self, lock: asyncio.Lock, joined: asyncio.Event) -> None:
        self.lock = lock
        self.joined = joined

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self.lock:
            pass

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.joined.set()


class EventConsumer:
    def __init__(
        self,
        settings: ServiceSettings,
        topics: tuple[str, ...],
        handlers: HandlerMap,
        unit_of_work: Callable[[], UnitOfWork],
        group_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.topics = topics
        self.group_id = group_id or settings.consumer_group
        self.dispatcher = Dispatcher(handlers, self.group_id)
        self.unit_of_work = unit_of_work
        self.consumer: AIOKafkaConsumer | None = None
        self.dead_letters: AIOKafkaProducer | None = None
        self._batch_lock = asyncio.Lock()
        self._backoff = Backoff(maximum=settings.consumer_max_backoff_seconds)
        self.running = asyncio.Event()
        # Set once the group has assigned this member its partitions (it may be given none
        # when there are more members than partitions): until then it consumes nothing.
        self.joined = asyncio.Event()

    async def run(self) -> None:
        """Consume until cancelled. Whatever goes wrong, the consumer reconnects and goes on
        from the last committed offsets (the inbox absorbs what is read twice)."""
        while True:
            try:
                await self._connect()
                self.running.set()
                await self._consume()
            except Exception:
                if being_cancelled():
                    raise  # a client library turned our cancellation into an error: stop
                log.exception("consumer %s stopped unexpectedly; reconnecting", self.group_id)
                await asyncio.sleep(self._backoff.next_delay())
            finally:
                self.running.clear()
                self.joined.clear()
                await self._close()

    async def _consume(self) -> None:
        assert self.consumer is not None
        while True:
            stop_if_cancelled()
            batches = await self.consumer.getmany(
                timeout_ms=1000, max_records=self.settings.consumer_max_batch
            )
            if not batches:
                continue
            async with self._batch_lock:
                # Partitions never share a key, so their records may be applied together:
                # each partition's records stay in order, and transactions get bigger.
                await self.process_batch([r for records in batches.values() for r in records])
                await self._commit_offsets(
                    {partition: records[-1].offset + 1 for partition, records in batches.items()}
                )

    async def _connect(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.settings.kafka_bootstrap,
                group_id=self.group_id,
                client_id=f"crm-{self.settings.service_name}",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                metadata_max_age_ms=5_000,
                session_timeout_ms=self.settings.kafka_session_timeout_ms,
                fetch_max_wait_ms=self.settings.kafka_fetch_max_wait_ms,
                heartbeat_interval_ms=max(self.settings.kafka_session_timeout_ms // 5, 100),
            )
            producer = create_producer(self.settings)
            try:
                await consumer.start()
                await producer.start()
            except KafkaError as error:
                log.warning("consumer %s: broker not reachable yet: %r", self.group_id, error)
                await consumer.stop()
                await producer.stop()
                await asyncio.sleep(self._backoff.next_delay())
                continue
            membership = _Membership(self._batch_lock, self.joined)
            consumer.subscribe(list(self.topics), listener=membership)
            self.consumer, self.dead_letters = consumer, producer
            self._backoff.reset()
            return

    async def _close(self) -> None:
        clients = (self.consumer, self.dead_letters)
        self.consumer = self.dead_letters = None
        await stop_clients(*clients)

    async def process_batch(self, records: Sequence[Record]) -> None:
        """Apply records (each partition's in offset order); returns when every one of them
        is committed, dead-lettered or ignored."""
        deliveries: list[Delivery] = []
        for record in records:
            try:
                delivery = self._read(record)
            except _Rejected as rejected:
                await self._dead_letter(record, rejected.reason, str(rejected))
                self._count("unreadable", "dead_lettered")
                continue
            if self.dispatcher.handles(delivery.envelope.type):
                deliveries.append(delivery)
            else:
                self._count(delivery.envelope.type, "ignored")
        size = self.settings.consumer_transaction_size
        for first in range(0, len(deliveries), size):
            await self._apply_isolating_failures(deliveries[first : first + size])

    def _read(self, record: Record) -> Delivery:
        try:
            envelope = CloudEvent.from_json(record.value)
        except InvalidEnvelopeError as error:
            raise _Rejected("invalid_envelope", str(error)) from error
        try:
            return Delivery(envelope, parse_payload(envelope), record)
        except UnknownEventTypeError as error:
            raise _Rejected("unknown_event_type", str(error)) from error
        except ValidationError as error:
            raise _Rejected(
                "invalid_payload", f"{envelope.type}: {describe_error(error)}"
            ) from error

    async def _apply_isolating_failures(self, run: Sequence[Delivery]) -> None:
        try:
            new = await self._apply_until_done(run)
        except _RunFailedError as failure:
            if len(run) > 1:
                middle = len(run) // 2
                await self._apply_isolating_failures(run[:middle])
                await self._apply_isolating_failures(run[middle:])
                return
            (poison,) = run
            log.error(
                "consumer %s: handler failed for event %s (%s)",
                self.group_id, poison.id, poison.envelope.type, exc_info=failure.__cause__,
            )  # fmt: skip
            assert poison.record is not None
            await self._dead_letter(poison.record, "handler_error", str(failure))
            self._count(poison.envelope.type, "dead_lettered")
            return
        new_ids = {delivery.id for delivery in new}
        applied_at = time.time()  # wall clock, like the producer's event time
        for delivery in run:
            outcome = "applied" if delivery.id in new_ids else "duplicate"
            self._count(delivery.envelope.type, outcome)
            if outcome == "applied" and delivery.record is not None:
                EVENT_LAG.labels(self.settings.service_name, delivery.record.topic).observe(
                    max(0.0, applied_at - delivery.envelope.time.timestamp())
                )

    async def _apply_until_done(self, run: Sequence[Delivery]) -> list[Delivery]:
        """Apply ``run`` in one transaction, retrying it after a transient failure."""
        while True:
            try:
                async with self.unit_of_work() as uow:
                    new = await self.dispatcher.apply(uow, run)
                    await uow.commit()
                self._backoff.reset()
                return new
            except Exception as error:
                if not is_transient(error):
                    # The text goes to logs and dead-letter headers: no personal data in it.
                    raise _RunFailedError(describe_error(error)) from error
                stop_if_cancelled()
                delay = self._backoff.next_delay()
                first = run[0]
                log.warning(
                    "consumer %s: transient failure at %s[%d]@%d, retrying in %.1fs: %s",
                    self.group_id, first.record.topic if first.record else "?",
                    first.record.partition if first.record else -1, first.offset, delay,
                    type(error).__name__,
                )  # fmt: skip
                await asyncio.sleep(delay)

    async def _dead_letter(self, record: Record, reason: str, error: str) -> None:
        log.warning(
            "consumer %s: %s[%d]@%d to the dead-letter topic: %s: %s",
            self.group_id, record.topic, record.partition, record.offset, reason, error,
        )  # fmt: skip
        assert self.dead_letters is not None
        letter = DeadLetter(record=record, reason=reason, error=error, consumer_group=self.group_id)
        await send_to_dead_letter(self.dead_letters, letter)

    def _count(self, event_type: str, outcome: str, n: int = 1) -> None:
        EVENTS_CONSUMED.labels(self.settings.service_name, event_type, outcome).inc(n)

    async def _commit_offsets(self, offsets: dict[TopicPartition, int]) -> None:
        assert self.consumer is not None
        try:
            # aiokafka retries a retriable commit error forever (a development broker that
            # lost its state answers UnknownTopicOrPartition for a while): bound it, since a
            # skipped commit costs only a redelivery, which the inbox turns into a no-op.
            await asyncio.wait_for(self.consumer.commit(offsets), COMMIT_TIMEOUT)
        except (CommitFailedError, IllegalStateError) as error:
            # The partition moved to another instance during a rebalance: it will re-read
            # from the last committed offset, and the inbox makes those repeats no-ops.
            log.info("consumer %s: commit skipped after rebalance: %r", self.group_id, error)
        except KafkaError as error:
            log.warning(
                "consumer %s: offset commit failed, will redeliver: %r", self.group_id, error
            )

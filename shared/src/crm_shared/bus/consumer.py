"""The idempotent consumer: applies events to a service's own view, exactly once in effect.

For each message, in partition order:
  1. parse the CloudEvents envelope and validate its data against the registered model;
     anything unreadable goes to ``crm.dlq`` with the reason, and consumption continues;
  2. record the event id in the inbox (a redelivery is a no-op) and run the handler (events
     the handler publishes go to the outbox, in the same transaction);
  3. commit the transaction (one per run of up to CRM_CONSUMER_TRANSACTION_SIZE records of a
     partition, which is what makes catching up on a backlog fast), and only then commit
     the Kafka offset.
A transient failure (database or broker away) retries the whole run with back-off, so
nothing is skipped. A handler that raises anything else has the run applied again with a
savepoint per event: its own savepoint rolls back, its event is dead-lettered, and the rest
of the run goes on.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord, TopicPartition
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from crm_shared.bus.backoff import Backoff
from crm_shared.bus.dead_letter import DeadLetter, send_to_dead_letter
from crm_shared.bus.inbox import InboxRepository
from crm_shared.bus.producer import create_producer, stop_clients
from crm_shared.bus.tasks import being_cancelled, stop_if_cancelled
from crm_shared.db.uow import UnitOfWork
from crm_shared.events.envelope import CloudEvent, InvalidEnvelopeError
from crm_shared.events.registry import IntegrationEvent, UnknownEventTypeError, parse_payload
from crm_shared.logging import causation_id, correlation_id
from crm_shared.metrics import EVENTS_CONSUMED
from crm_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

EventHandler = Callable[[UnitOfWork, Any, CloudEvent], Awaitable[None]]
Handlers = Mapping[type[IntegrationEvent], EventHandler]

COMMIT_TIMEOUT = 10.0

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    OSError,
    TimeoutError,
    KafkaError,
)


class _Rejected(Exception):
    def __init__(self, reason: str, error: str) -> None:
        super().__init__(error)
        self.reason = reason


class _HandlerFailedError(Exception):
    """A handler failed in a run applied without savepoints: apply it again carefully."""


class _WaitForBatch(ConsumerRebalanceListener):
    """Partitions are handed over only between batches, after their offsets are committed."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self.lock = lock

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self.lock:
            pass

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        pass


class EventConsumer:
    def __init__(
        self,
        settings: ServiceSettings,
        topics: tuple[str, ...],
        handlers: Handlers,
        unit_of_work: Callable[[], UnitOfWork],
        group_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.topics = topics
        self.handlers = {event.event_type: handler for event, handler in handlers.items()}
        self.unit_of_work = unit_of_work
        self.group_id = group_id or settings.consumer_group
        self.consumer: AIOKafkaConsumer | None = None
        self.dead_letters: AIOKafkaProducer | None = None
        self._batch_lock = asyncio.Lock()
        self._backoff = Backoff(maximum=settings.consumer_max_backoff_seconds)
        self.running = asyncio.Event()

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
                await self._close()

    async def _consume(self) -> None:
        assert self.consumer is not None
        while True:
            stop_if_cancelled()
            batches = await self.consumer.getmany(
                timeout_ms=1000, max_records=self.settings.consumer_max_batch
            )
            async with self._batch_lock:
                for partition, records in batches.items():
                    await self._process_partition_batch(partition, records)

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
            consumer.subscribe(list(self.topics), listener=_WaitForBatch(self._batch_lock))
            self.consumer, self.dead_letters = consumer, producer
            self._backoff.reset()
            return

    async def _close(self) -> None:
        clients = (self.consumer, self.dead_letters)
        self.consumer = self.dead_letters = None
        await stop_clients(*clients)

    async def _process_partition_batch(
        self, partition: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]
    ) -> None:
        size = self.settings.consumer_transaction_size
        for first in range(0, len(records), size):
            await self._process_until_done(records[first : first + size])
        await self._commit_offset(partition, records[-1].offset + 1)

    async def _process_until_done(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply a run of one partition's records in one transaction, retrying the whole run
        after a transient failure (records already dead-lettered are not sent twice)."""
        dead_lettered: dict[int, tuple[str, str]] = {}  # offset -> its outcome
        careful = False
        while True:
            try:
                outcomes = await self._apply_in_one_transaction(records, dead_lettered, careful)
                break
            except _HandlerFailedError:
                # The run is first applied without savepoints (two statements fewer per
                # event); a failing handler rolls it all back, and it is applied again with a
                # savepoint per event, so that only the failing event is dead-lettered.
                careful = True
            except TRANSIENT_ERRORS as error:
                stop_if_cancelled()
                delay = self._backoff.next_delay()
                first = records[0]
                log.warning(
                    "consumer %s: transient failure at %s[%d]@%d, retrying in %.1fs: %r",
                    self.group_id, first.topic, first.partition, first.offset, delay, error,
                )  # fmt: skip
                await asyncio.sleep(delay)
        self._backoff.reset()
        for outcome, event_type in outcomes:
            EVENTS_CONSUMED.labels(self.settings.service_name, event_type, outcome).inc()

    async def _apply_in_one_transaction(
        self,
        records: list[ConsumerRecord[bytes, bytes]],
        dead_lettered: dict[int, tuple[str, str]],
        careful: bool,
    ) -> list[tuple[str, str]]:
        outcomes = []
        async with self.unit_of_work() as uow:
            for record in records:
                outcome = dead_lettered.get(record.offset)
                if outcome is None:
                    outcome = await self.process(uow, record, careful=careful)
                    if outcome[0] == "dead_lettered":
                        dead_lettered[record.offset] = outcome
                outcomes.append(outcome)
            await uow.commit()
        return outcomes

    async def process(
        self, uow: UnitOfWork, record: ConsumerRecord[bytes, bytes], *, careful: bool = True
    ) -> tuple[str, str]:
        """Apply one record inside ``uow``; returns (outcome, event type). Raises transient
        errors, and, unless ``careful`` (a savepoint per event), a handler's failure."""
        try:
            envelope, payload = self._read(record)
        except _Rejected as rejected:
            await self._dead_letter(record, rejected.reason, str(rejected))
            return "dead_lettered", "unreadable"
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return "ignored", envelope.type
        try:
            applied = await self._apply(uow, handler, envelope, payload, careful)
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:
            if not careful:
                raise _HandlerFailedError from error
            log.exception("consumer %s: handler failed for %s", self.group_id, envelope.id)
            await self._dead_letter(record, "handler_error", repr(error))
            return "dead_lettered", envelope.type
        return ("applied" if applied else "duplicate"), envelope.type

    def _read(self, record: ConsumerRecord[bytes, bytes]) -> tuple[CloudEvent, IntegrationEvent]:
        try:
            envelope = CloudEvent.from_json(record.value)
        except InvalidEnvelopeError as error:
            raise _Rejected("invalid_envelope", str(error)) from error
        try:
            return envelope, parse_payload(envelope)
        except UnknownEventTypeError as error:
            raise _Rejected("unknown_event_type", str(error)) from error
        except ValidationError as error:
            raise _Rejected("invalid_payload", f"{envelope.type}: {error}") from error

    async def _apply(
        self,
        uow: UnitOfWork,
        handler: EventHandler,
        envelope: CloudEvent,
        payload: IntegrationEvent,
        careful: bool,
    ) -> bool:
        """Record the event in the inbox and run its handler; when ``careful``, inside a
        savepoint, so that a failing handler undoes only its own changes (and outbox rows)."""
        event_id = str(envelope.id)
        correlation = correlation_id.set(envelope.correlationid or event_id)
        causation = causation_id.set(event_id)
        try:
            async with uow.session.begin_nested() if careful else contextlib.nullcontext():
                inbox = InboxRepository(uow.session, uow.tables)
                if not await inbox.record_if_new(event_id, envelope.type, self.group_id):
                    return False
                await handler(uow, payload, envelope)
            return True
        finally:
            correlation_id.reset(correlation)
            causation_id.reset(causation)

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], reason: str, error: str
    ) -> None:
        log.warning(
            "consumer %s: %s[%d]@%d to the dead-letter topic: %s: %s",
            self.group_id, record.topic, record.partition, record.offset, reason, error,
        )  # fmt: skip
        assert self.dead_letters is not None
        letter = DeadLetter(record=record, reason=reason, error=error, consumer_group=self.group_id)
        await send_to_dead_letter(self.dead_letters, letter)

    async def _commit_offset(self, partition: TopicPartition, offset: int) -> None:
        assert self.consumer is not None
        try:
            # aiokafka retries a retriable commit error forever (a development broker that
            # lost its state answers UnknownTopicOrPartition for a while): bound it, since a
            # skipped commit costs only a redelivery, which the inbox turns into a no-op.
            await asyncio.wait_for(self.consumer.commit({partition: offset}), COMMIT_TIMEOUT)
        except (CommitFailedError, IllegalStateError) as error:
            # The partition moved to another instance during a rebalance: it will re-read
            # from the last committed offset, and the inbox makes those repeats no-ops.
            log.info("consumer %s: commit skipped after rebalance: %r", self.group_id, error)
        except KafkaError as error:
            log.warning(
                "consumer %s: offset commit failed, will redeliver: %r", self.group_id, error
            )

"""The outbox relay: publishes committed outbox rows to Kafka, in write order, until sent.

A crash between a business commit and the publish loses nothing: the row is still unsent
and the next relay pass (after a restart, too) publishes it. A broker outage only delays:
the relay backs off, re-creates missing topics when the broker returns and carries on from
the oldest unsent row. A broker that comes back having lost what it had acknowledged (the
memory-only development broker) is noticed by the :class:`LogGuard` (it lost the guard's
marker), and the relay then creates the topics again and publishes every kept event again;
consumers' inboxes make the repeats no-ops.

On SQLite the relay marks what the broker acknowledged in a task of its own: a mark needs
the service's one write connection, and while the relay waited for it behind the requests
in line, every event behind it waited too (a quarter of a second at 100 creates/s). The
relay reads on past what it sent (it remembers the last id) and the marks follow; a crash
before they are written publishes those rows again, which the consumers' inboxes absorb.
"""

import asyncio
import contextlib
import logging
import time

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_shared.bus.backoff import Backoff
from crm_shared.bus.log_guard import LogGuard
from crm_shared.bus.outbox import OutboxRepository, PendingMessage, retention_cutoff
from crm_shared.bus.producer import create_producer, stop_clients
from crm_shared.bus.tasks import stop_if_cancelled
from crm_shared.bus.topics import ensure_topics
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.db.engine import is_postgres
from crm_shared.db.platform_tables import PlatformTables
from crm_shared.metrics import (
    OUTBOX_DELAY,
    OUTBOX_PENDING,
    OUTBOX_PUBLISH_FAILURES,
    OUTBOX_PUBLISHED,
)
from crm_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

RETENTION_SWEEP_SECONDS = 600.0
# How often an idle relay counts what waits (the crm_outbox_pending gauge): counting on every
# idle moment, between every two events at a steady rate, cost more than publishing them.
MEASURE_SECONDS = 1.0
# The marks of what the broker acknowledged are written together once this long has passed:
# one write per relay pass would cost every event a transaction on the one write connection.
MARK_EVERY_SECONDS = 0.05
FINAL_MARKS_SECONDS = 5.0  # at stop, how long the last marks may take
LOG_CHECK_SECONDS = 2.0


class BrokerLostEventsError(RuntimeError):
    """The broker's log went backwards: events it acknowledged are gone."""


class OutboxRelay:
    def __init__(
        self,
        settings: ServiceSettings,
        session_factory: async_sessionmaker[AsyncSession],
        tables: PlatformTables,
        read_session_factory: async_sessionmaker[AsyncSession] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.session_factory = session_factory
        self.read_session_factory = read_session_factory or session_factory
        self.tables = tables
        # On PostgreSQL several instances of a service may run: rows are claimed with
        # FOR UPDATE SKIP LOCKED inside the publishing transaction. SQLite has one writer
        # process, so the relay keeps its transactions short instead (writes go on meanwhile).
        self.claims_rows = is_postgres(settings.database_url)
        self.wakeup = asyncio.Event()
        self.producer: AIOKafkaProducer | None = None
        self.guard = LogGuard(settings)
        self._last_log_check = 0.0
        self._backoff = Backoff(maximum=settings.relay_max_backoff_seconds)
        self._last_sweep = 0.0
        self._last_measure = 0.0
        self._broker_down = False
        # SQLite: acknowledged but not yet marked sent, and the last id read and sent.
        self._acknowledged: list[int] = []
        self._read_after = 0
        self._marks_due = asyncio.Event()
        self._marks_lock = asyncio.Lock()

    def notify(self) -> None:
        """Called after a commit that wrote outbox rows: publish now rather than at next poll."""
        self.wakeup.set()

    async def run(self) -> None:
        marker = None if self.claims_rows else asyncio.create_task(self._mark_acknowledged())
        try:
            while True:
                stop_if_cancelled()
                # Cleared before reading the outbox: a commit that lands during this pass
                # sets it again, so the idle wait below returns at once.
                self.wakeup.clear()
                try:
                    sent = await self.publish_pending()
                    self._on_success()
                    if sent == 0:
                        await self._idle()
                except Exception as error:  # broker away, database busy: retry, never give up
                    await self._on_failure(error)
        finally:
            if marker is not None:
                marker.cancel()
                await asyncio.gather(marker, return_exceptions=True)
                with contextlib.suppress(Exception):  # else they are published again: harmless
                    await asyncio.wait_for(self._write_marks(), FINAL_MARKS_SECONDS)
            await self._stop_producer()

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows; returns how many were sent."""
        producer = await self._producer()
        if self.claims_rows:
            return await self._publish_claimed_batch(producer)
        return await self._publish_read_batch(producer)

    async def _publish_claimed_batch(self, producer: AIOKafkaProducer) -> int:
        """PostgreSQL: the rows stay locked (FOR UPDATE SKIP LOCKED) from claim to marking."""
        failed = 0
        async with self.session_factory() as session, session.begin():
            repo = OutboxRepository(session, self.tables)
            batch = await repo.claim_unsent(self.settings.relay_batch_size, skip_locked=True)
            if batch:
                failed = await self._record(repo, batch, await self._send(producer, batch))
        return _sent_or_raise(len(batch), failed)

    async def _publish_read_batch(self, producer: AIOKafkaProducer) -> int:
        """SQLite (one relay per database): read without a lock, send, and leave the marks
        to :meth:`_mark_acknowledged`; the next read starts after the last row sent."""
        async with self.read_session_factory() as reading, reading.begin():
            batch = await OutboxRepository(reading, self.tables).claim_unsent(
                self.settings.relay_batch_size, skip_locked=False, after=self._read_after
            )
        if not batch:
            return 0
        results = await self._send(producer, batch)
        sent, failed = _split(batch, results)
        self._count_sent(sent)
        self._acknowledged.extend(m.id for m in sent)
        self._marks_due.set()
        if failed:
            # Read again from the first failure on (what was sent after it goes again too).
            self._read_after = max(self._read_after, min(failed) - 1)
            async with self.session_factory() as session, session.begin():
                await OutboxRepository(session, self.tables).record_failure(
                    failed, _first_error(results)
                )
        else:
            self._read_after = batch[-1].id
        return _sent_or_raise(len(batch), len(failed))

    async def _mark_acknowledged(self) -> None:
        """Mark acknowledged rows sent whenever there are some, off the publishing path."""
        backoff = Backoff(maximum=self.settings.relay_max_backoff_seconds)
        while True:
            await self._marks_due.wait()
            self._marks_due.clear()
            try:
                await self._write_marks()
                backoff.reset()
                await asyncio.sleep(MARK_EVERY_SECONDS)
            except Exception as error:  # database busy: the rows stay unsent meanwhile
                log.warning("outbox relay: cannot mark sent rows yet, will retry: %r", error)
                self._marks_due.set()
                await asyncio.sleep(backoff.next_delay())

    async def _write_marks(self) -> None:
        async with self._marks_lock:
            ids, self._acknowledged = self._acknowledged, []
            try:
                if ids:
                    async with self.session_factory() as session, session.begin():
                        await OutboxRepository(session, self.tables).mark_sent(
                            ids, self.clock.now()
                        )
            except BaseException:
                self._acknowledged = ids + self._acknowledged
                raise
            if not self._acknowledged:
                # Every row read so far is marked: read from the start again, so that an id
                # SQLite hands out again (once the newest rows are gone, as when retention
                # empties the table) is never skipped.
                self._read_after = 0

    async def _send(
        self, producer: AIOKafkaProducer, batch: list[PendingMessage]
    ) -> list[RecordMetadata | BaseException]:
        deliveries = [
            await producer.send(
                message.topic,
                value=message.payload,
                key=message.key.encode(),
                headers=[("ce_type", message.event_type.encode())],
            )
            for message in batch
        ]
        results = await asyncio.gather(*deliveries, return_exceptions=True)
        acks = [r for r in results if isinstance(r, RecordMetadata)]
        if not self.guard.record(acks):
            raise BrokerLostEventsError("an acknowledgement came back below an earlier one")
        return results

    async def _record(
        self,
        repo: OutboxRepository,
        batch: list[PendingMessage],
        results: list[RecordMetadata | BaseException],
    ) -> int:
        """Mark what was sent, note what failed (committed either way); returns the failures."""
        sent, failed = _split(batch, results)
        await repo.mark_sent([message.id for message in sent], self.clock.now())
        await repo.record_failure(failed, _first_error(results))
        self._count_sent(sent)
        return len(failed)

    def _count_sent(self, sent: list[PendingMessage]) -> None:
        now = self.clock.now()
        OUTBOX_PUBLISHED.labels(self.settings.service_name).inc(len(sent))
        delay = OUTBOX_DELAY.labels(self.settings.service_name)
        for message in sent:
            delay.observe(max(0.0, (now - message.created_at).total_seconds()))

    async def _producer(self) -> AIOKafkaProducer:
        if self.producer is None:
            await ensure_topics(
                self.settings.kafka_bootstrap,
                self.settings.topic_partitions,
                retention_days=self.settings.outbox_retention_days,
            )
            producer = create_producer(self.settings)
            try:
                await producer.start()
                await self.guard.watch()  # the topics exist: leave the marker
            except BaseException:
                await producer.stop()
                raise
            self.producer = producer
        return self.producer

    async def _stop_producer(self) -> None:
        clients = (self.producer, self.guard.detach())
        self.producer = None
        await stop_clients(*clients)

    def _on_success(self) -> None:
        if self._broker_down:
            log.info("outbox relay: publishing again")
        self._broker_down = False
        self._backoff.reset()

    async def _on_failure(self, error: Exception) -> None:
        OUTBOX_PUBLISH_FAILURES.labels(self.settings.service_name).inc()
        if isinstance(error, BrokerLostEventsError):
            await self._publish_everything_again()
        if not self._broker_down:
            log.warning("outbox relay: cannot publish yet, will retry: %r", error)
        self._broker_down = True
        # A fresh producer re-reads metadata and re-creates topics a restarted broker lost.
        await self._stop_producer()
        await asyncio.sleep(self._backoff.next_delay())

    async def _idle(self) -> None:
        await self._sweep_and_measure()
        await self._check_log()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wakeup.wait(), self.settings.relay_idle_poll_seconds)

    async def _check_log(self) -> None:
        now = time.monotonic()
        if not self.guard.watching or now - self._last_log_check < LOG_CHECK_SECONDS:
            return
        self._last_log_check = now
        try:
            intact = await self.guard.log_is_intact()
        except Exception:
            return  # the broker is away; the next publish or check will tell
        if not intact:
            await self._on_failure(BrokerLostEventsError("the broker lost its state"))

    async def _publish_everything_again(self) -> None:
        log.warning(
            "outbox relay: the broker lost events it had acknowledged (a memory-only broker "
            "restarted?); publishing every kept event again"
        )
        self.guard.forget()
        async with self._marks_lock:  # a mark written after this would hide a lost event
            self._acknowledged, self._read_after = [], 0
            async with self.session_factory() as session, session.begin():
                repo = OutboxRepository(session, self.tables)
                await repo.mark_for_replay(
                    retention_cutoff(self.clock.now(), self.settings.outbox_retention_days)
                )

    async def _sweep_and_measure(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep > RETENTION_SWEEP_SECONDS:
            self._last_sweep = now
            async with self.session_factory() as session, session.begin():
                removed = await OutboxRepository(session, self.tables).delete_sent_before(
                    retention_cutoff(self.clock.now(), self.settings.outbox_retention_days)
                )
            if removed:
                log.info("outbox relay: removed %d sent events past retention", removed)
        if now - self._last_measure < MEASURE_SECONDS:
            return
        self._last_measure = now
        # Counting only reads: it must not take the write lock once a second.
        async with self.read_session_factory() as session, session.begin():
            pending = await OutboxRepository(session, self.tables).pending_count()
        OUTBOX_PENDING.labels(self.settings.service_name).set(pending)


def _split(
    batch: list[PendingMessage], results: list[RecordMetadata | BaseException]
) -> tuple[list[PendingMessage], list[int]]:
    """The messages the broker acknowledged, and the ids of those it did not."""
    pairs = list(zip(batch, results, strict=True))
    sent = [message for message, result in pairs if not isinstance(result, BaseException)]
    failed = [message.id for message, result in pairs if isinstance(result, BaseException)]
    return sent, failed


def _sent_or_raise(batch_size: int, failed: int) -> int:
    if failed:  # raised after the commit, so that what was sent stays marked sent
        raise RuntimeError(f"{failed} of {batch_size} events not published")
    return batch_size


def _first_error(results: list[RecordMetadata | BaseException]) -> str:
    errors = [r for r in results if isinstance(r, BaseException)]
    return repr(errors[0]) if errors else ""

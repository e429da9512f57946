"""3. Analytics projection catch-up from a backlog, vs a raw aiokafka consumer of the same.

A fresh broker gets a backlog of N valid ``crm.customer.created.v1`` CloudEvents (distinct
customers, keyed by customer id) on ``crm.customer`` before any consumer runs. Then:

- baseline: a plain aiokafka consumer in a fresh group reads the N messages from earliest;
- service: ``python -m crm_analytics`` starts (a fresh consumer group, a fresh database) and
  projects them; its /metrics ``crm_events_consumed_total{outcome="applied"}`` is sampled
  every 100 ms.

Both rates are steady-state, so process start-up and the consumer group's first join are left
out (and reported separately): analytics from its first applied event to the N-th, the raw
consumer from the moment it has its partitions to the N-th message.
"""

import asyncio
import re
import time
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from crm_launcher.broker import BundledBroker
from crm_shared.bus.topics import CUSTOMER, ensure_topics
from crm_shared.contracts.customer import CustomerCreated, CustomerSnapshot
from crm_shared.db import utcnow
from crm_shared.events import CloudEvent

from tests.benchmarks.harness import Child, Harness
from tests.benchmarks.plan import Plan
from tests.benchmarks.procstat import cpu_seconds, own_cpu_seconds
from tests.benchmarks.report import Section
from tests.benchmarks.stats import ms

PARTITIONS = 6
GIVE_UP = 600.0  # seconds without progress before a run is declared stuck
SAMPLE_EVERY = 0.1
_CONSUMED = re.compile(rb"^crm_events_consumed_total\{([^}]*)\} ([0-9.e+-]+)$", re.MULTILINE)


@dataclass
class CatchUp:
    events: int
    seconds: float  # start of the clock to the N-th event
    cpu: float  # CPU seconds the consumer used in that time
    startup: float = 0.0  # process (or consumer) start to the start of the clock

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def created_event(i: int) -> CloudEvent:
    customer_id = str(uuid.uuid4())
    now = utcnow()
    snapshot = CustomerSnapshot(
        id=customer_id,
        kind="individual",
        name=f"Backlog Customer {i}",
        email=f"backlog.{i}@example.com",
        phone=f"+1212{200 + (i // 10_000) % 800:03d}{i % 10_000:04d}",
        lifecycle_stage="potential",
        version=1,
        created_at=now,
        updated_at=now,
    )
    event = CustomerCreated(customer_id=customer_id, customer_version=1, customer=snapshot)
    return CloudEvent(
        source="crm/customer",
        type=event.event_type,
        subject=customer_id,
        data=event.model_dump(mode="json"),
    )


async def publish_backlog(broker: BundledBroker, count: int) -> None:
    await ensure_topics(broker.bootstrap, PARTITIONS)
    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=False, linger_ms=5
    )
    await producer.start()
    try:
        for start in range(0, count, 1000):
            deliveries = []
            for i in range(start, min(start + 1000, count)):
                event = created_event(i)
                deliveries.append(
                    await producer.send(
                        CUSTOMER,
                        value=event.to_json(),
                        key=event.subject.encode(),
                        headers=[("ce_type", event.type.encode())],
                    )
                )
            await asyncio.gather(*deliveries)
    finally:
        await producer.stop()


async def raw_consume(broker: BundledBroker, count: int, plan: Plan) -> CatchUp:
    consumer = AIOKafkaConsumer(
        CUSTOMER,
        bootstrap_servers=broker.bootstrap,
        group_id=f"bench-catchup-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=plan.kafka_session_timeout_ms,
        heartbeat_interval_ms=plan.kafka_session_timeout_ms // 5,
    )
    started = time.perf_counter()
    await consumer.start()
    try:
        # The clock starts once the group has handed us the partitions (the fetcher starts
        # then), so the group's first join is left out, as for the service.
        while not consumer.assignment():
            if time.perf_counter() - started > GIVE_UP:
                raise RuntimeError(f"the raw consumer got no partitions in {GIVE_UP:g}s")
            await asyncio.sleep(0.01)
        assigned, cpu = time.perf_counter(), own_cpu_seconds()
        seen = 0
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            seen += sum(len(records) for records in batches.values())
            if time.perf_counter() - assigned > GIVE_UP:
                raise RuntimeError(f"the raw consumer read {seen} of {count} in {GIVE_UP:g}s")
        return CatchUp(
            count, time.perf_counter() - assigned, own_cpu_seconds() - cpu, assigned - started
        )
    finally:
        await consumer.stop()


async def consumed(analytics: Child) -> dict[str, float]:
    """Events consumed so far, by outcome."""
    body = (await analytics.pool.request("GET", "/metrics")).body
    totals: dict[str, float] = {}
    for labels, value in _CONSUMED.findall(body):
        outcome = re.search(rb'outcome="([^"]*)"', labels)
        if outcome:
            name = outcome.group(1).decode()
            totals[name] = totals.get(name, 0.0) + float(value)
    return totals


async def service_consume(
    harness: Harness, broker: BundledBroker, count: int, database_url: str | None
) -> CatchUp:
    started = time.perf_counter()
    analytics = await harness.start_service("analytics", broker, database_url)
    try:
        applied = first_count = 0.0
        first = cpu = 0.0
        last_progress = time.perf_counter()
        while applied < count:
            await asyncio.sleep(SAMPLE_EVERY)
            totals = await consumed(analytics)
            if totals.get("dead_lettered"):
                raise RuntimeError(f"analytics dead-lettered events:\n{analytics.log_tail()}")
            now = time.perf_counter()
            if totals.get("applied", 0.0) > applied:
                applied, last_progress = totals["applied"], now
                if not first:
                    first, first_count, cpu = now, applied, cpu_seconds(analytics.pid)
            elif now - last_progress > GIVE_UP:
                raise RuntimeError(f"analytics stuck at {applied:.0f} of {count} events")
        events = int(count - first_count)  # those applied after the first sample
        seconds = time.perf_counter() - first
        return CatchUp(events, seconds, cpu_seconds(analytics.pid) - cpu, first - started)
    finally:
        await harness.stop(analytics)


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    postgres_missing = await harness.postgres_unavailable()
    backends = [
        ("SQLite", False, plan.catchup_events_sqlite),
        ("PostgreSQL", True, plan.catchup_events_postgres),
    ]
    for label, on_postgres, count in backends:
        if on_postgres and postgres_missing:
            section.note(f"PostgreSQL rows skipped: {postgres_missing}")
            continue
        broker = await harness.start_broker()
        try:
            await publish_backlog(broker, count)
            baseline = await raw_consume(broker, count, plan)
            url = await harness.create_database() if on_postgres else None
            service = await service_consume(harness, broker, count, url)
        finally:
            harness.stop_broker(broker)
        section.add(
            f"{label} ({count:,})", "catch-up rate", "events/s", service.rate, baseline.rate
        )
        section.add(
            f"{label} ({count:,})", "CPU per event", "ms",
            ms(service.cpu / service.events), ms(baseline.cpu / baseline.events),
        )  # fmt: skip
        section.note(
            f"{label}: analytics took {service.startup:.1f} s from process start to its first "
            f"applied event (start-up, migrations, group join), then {service.seconds:.1f} s; "
            f"the raw consumer {baseline.startup:.1f} s to its partitions, then "
            f"{baseline.seconds:.2f} s"
        )


def section(plan: Plan) -> Section:
    return Section(
        key="catchup",
        title="3. Analytics projection catch-up from a backlog",
        service_name="analytics",
        baseline_name="raw consumer",
        method=[
            "A backlog of N crm.customer.created.v1 CloudEvents (N in brackets; distinct "
            f"customers, keyed by id, {PARTITIONS}",
            "partitions) is on a fresh broker before any consumer starts.",
            "analytics:    python -m crm_analytics, fresh group and database: envelope and "
            "payload validation, inbox,",
            "              profile projection, commits, offset commits. Applied count read "
            f"from /metrics every {SAMPLE_EVERY * 1000:.0f} ms;",
            "              rate from the first applied event to the N-th.",
            "raw consumer: aiokafka in a fresh group from earliest, only counting messages; "
            "rate from partition",
            "              assignment to the N-th message.",
            "CPU per event: CPU time of the consuming process over that interval / events.",
        ],
    )

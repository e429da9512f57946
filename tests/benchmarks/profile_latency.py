"""2. Write -> analytics profile latency at a steady rate, vs the raw broker round trip.

Service: each of ``latency_rates`` creates per second for ``latency_seconds`` (open loop: each POST
starts on schedule, whatever the earlier ones are doing). For a sample of the 201s (every one
at 20/s, then about 20 a second whatever the rate), a poller asks analytics GET
/v1/profiles/{id} until it answers 200; the figure is the time from the 201 to that first 200:
commit -> outbox relay -> broker -> analytics consumer -> projection commit. Sampling keeps
the poller from becoming the load it measures: polling every profile at 100/s cost analytics
more CPU than projecting them, and a shared GET budget then delayed the polls themselves.

Baseline: the same rate of 1 KiB messages through the same broker, aiokafka producer (the
services' producer settings) -> aiokafka consumer (the services' consumer settings), timed
from just before ``send`` to the consumer's ``getmany`` returning the message.
"""

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Final, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from crm_launcher.broker import BundledBroker
from crm_shared.bus.topics import ensure_topics
from crm_shared.settings import ServiceSettings

from tests.benchmarks.create_rate import customer_request
from tests.benchmarks.harness import Child, Harness
from tests.benchmarks.plan import Plan
from tests.benchmarks.procstat import cpu_seconds
from tests.benchmarks.report import Section
from tests.benchmarks.stats import ms, percentile

GIVE_UP = 30.0  # seconds a profile (or a message) may take before it counts as lost
FIRST_GIVE_UP = 90.0  # the first one waits for the consumer group to form
ROUNDTRIP_TOPIC = "bench.roundtrip"
PARTITIONS = 6  # as the services' topics (CRM_TOPIC_PARTITIONS default)
SHORT_FETCH_WAIT_MS = 10  # for a note: how much of the round trip is the fetch wait
MAX_POLLS_PER_SECOND = 100.0  # all GETs together: the poller must not load analytics much
SAMPLED_PER_SECOND = 20.0  # profiles polled per second, whatever the create rate
UNSAMPLED: Final = "unsampled"  # what a create whose profile is not polled returns

T = TypeVar("T")


def poll_interval(elapsed: float) -> float:
    """How long one customer's poller waits between GETs: 10 ms at first, then 10% of the
    time waited so far, at most 100 ms (so the figure is within ~10% of the truth)."""
    return min(0.1, max(0.01, elapsed / 10))


class Throttle:
    """A shared budget of GETs per second, so that many pending profiles (when the latency
    grows) cannot turn the poller into the load that makes the latency grow."""

    def __init__(self, per_second: float) -> None:
        self.gap = 1.0 / per_second
        self.next_slot = time.perf_counter()
        self.polls = 0

    async def wait(self) -> None:
        now = time.perf_counter()
        self.next_slot = max(self.next_slot + self.gap, now)
        self.polls += 1
        await asyncio.sleep(self.next_slot - now)


async def steady(
    rate: float, seconds: float, one: Callable[[int], Coroutine[None, None, T]]
) -> list[T]:
    """Start ``one(i)`` every 1/rate seconds (open loop); return what each one returned."""
    count = int(rate * seconds)
    started = time.perf_counter()
    tasks: list[asyncio.Task[T]] = []
    try:
        for i in range(count):
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(i)))
        return await asyncio.gather(*tasks)
    finally:  # after a failure (or Ctrl-C), the others must not run on
        for task in tasks:
            task.cancel()


# -- the service path --------------------------------------------------------------------------


def sample_every(rate: float) -> int:
    """Poll every n-th created profile: all of them at 20/s, every 5th at 100/s."""
    return max(1, round(rate / SAMPLED_PER_SECOND))


async def create_and_wait(
    customer: Child,
    analytics: Child,
    throttle: Throttle,
    run: str,
    i: int,
    give_up: float,
    every: int = 1,
) -> float | str | None:
    """Create one customer; for every ``every``-th, the time until its profile is served."""
    body, headers = customer_request(run, i)
    response = await customer.pool.request("POST", "/v1/customers", body=body, headers=headers)
    created = time.perf_counter()
    if response.status != 201:
        raise RuntimeError(
            f"POST /v1/customers answered {response.status}: {response.body[:300]!r}"
        )
    if i % every:
        return UNSAMPLED
    path = f"/v1/profiles/{response.json()['id']}"
    while (elapsed := time.perf_counter() - created) < give_up:
        await throttle.wait()
        answer = await analytics.pool.request("GET", path)
        if answer.status == 200:
            return time.perf_counter() - created
        if answer.status != 404:
            raise RuntimeError(f"GET {path} answered {answer.status}: {answer.body[:300]!r}")
        await asyncio.sleep(poll_interval(elapsed))
    return None


@dataclass
class ServiceRun:
    latencies: list[float | None]
    seconds: float = 0.0
    polls: int = 0
    analytics_cpu: float = 0.0  # CPU seconds analytics used during the steady run
    customer_cpu: float = 0.0


def poll_budget(rate: float) -> float:
    """GETs per second for all pollers together: ten per sampled profile, so that a profile
    that takes a few polls is not made to wait for others' turns."""
    return max(MAX_POLLS_PER_SECOND, 10 * rate / sample_every(rate))


async def service_latencies(
    harness: Harness, broker: BundledBroker, plan: Plan
) -> dict[float, ServiceRun]:
    """One run per rate in ``plan.latency_rates``, against the same two services."""
    customer = await harness.start_service("customer", broker)
    analytics = await harness.start_service("analytics", broker)
    runs: dict[float, ServiceRun] = {}
    try:
        throttle = Throttle(MAX_POLLS_PER_SECOND)
        warm_up = f"{harness.run_id}-latency-warm-up"
        # The first profile also waits for analytics' consumer group to form.
        if await create_and_wait(customer, analytics, throttle, warm_up, 0, FIRST_GIVE_UP) is None:
            raise RuntimeError(f"no profile within {FIRST_GIVE_UP:g}s:\n{analytics.log_tail()}")
        for rate in plan.latency_rates:
            throttle = Throttle(poll_budget(rate))
            run = f"{harness.run_id}-latency-{rate:g}"
            cpu, started = cpu_seconds(analytics.pid), time.perf_counter()
            customer_cpu = cpu_seconds(customer.pid)
            latencies = await steady(
                rate,
                plan.latency_seconds,
                lambda i, run=run, throttle=throttle, every=sample_every(rate): create_and_wait(
                    customer, analytics, throttle, run, i, GIVE_UP, every
                ),
            )
            sampled = [latency for latency in latencies if not isinstance(latency, str)]
            result = ServiceRun(sampled, time.perf_counter() - started, throttle.polls)
            result.analytics_cpu = cpu_seconds(analytics.pid) - cpu
            result.customer_cpu = cpu_seconds(customer.pid) - customer_cpu
            runs[rate] = result
    finally:
        await harness.stop(analytics)
        await harness.stop(customer)
    return runs


# -- the baseline: the raw broker round trip ------------------------------------------------


# The fetch wait the services' consumers use (CRM_KAFKA_FETCH_MAX_WAIT_MS's default).
SERVICES_FETCH_WAIT_MS = ServiceSettings.model_fields["kafka_fetch_max_wait_ms"].default


async def broker_latencies(
    broker: BundledBroker,
    plan: Plan,
    rate: float,
    fetch_max_wait_ms: int = SERVICES_FETCH_WAIT_MS,
) -> list[float | None]:
    """The raw round trip, with the services' fetch wait unless told otherwise."""
    await ensure_topics(broker.bootstrap, PARTITIONS, (ROUNDTRIP_TOPIC,))
    producer = AIOKafkaProducer(  # as crm_shared.bus.producer.create_producer
        bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=False, linger_ms=2
    )
    consumer = AIOKafkaConsumer(  # as crm_shared.bus.consumer.EventConsumer
        ROUNDTRIP_TOPIC,
        bootstrap_servers=broker.bootstrap,
        group_id=f"bench-roundtrip-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        metadata_max_age_ms=5_000,
        session_timeout_ms=plan.kafka_session_timeout_ms,
        heartbeat_interval_ms=plan.kafka_session_timeout_ms // 5,
        fetch_max_wait_ms=fetch_max_wait_ms,
    )
    arrivals: dict[str, asyncio.Future[float]] = {}

    async def receive() -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    waiting = arrivals.get(record.key.decode())
                    if waiting is not None and not waiting.done():
                        waiting.set_result(now)

    async def send_and_wait(i: int, give_up: float = GIVE_UP) -> float | None:
        key = str(uuid.uuid4())
        arrivals[key] = asyncio.get_running_loop().create_future()
        value = json.dumps({"i": i}).encode().ljust(1024, b" ")
        sent = time.perf_counter()
        await producer.send(ROUNDTRIP_TOPIC, value=value, key=key.encode())
        try:
            return await asyncio.wait_for(arrivals[key], give_up) - sent
        except TimeoutError:
            return None

    await producer.start()
    await consumer.start()
    receiver = asyncio.create_task(receive())
    try:
        if await send_and_wait(-1, FIRST_GIVE_UP) is None:  # warm-up: the group forms
            raise RuntimeError(f"no message came back within {FIRST_GIVE_UP:g}s")
        return await steady(rate, plan.latency_seconds, send_and_wait)
    finally:
        receiver.cancel()
        await asyncio.gather(receiver, return_exceptions=True)
        await consumer.stop()
        await producer.stop()


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    broker = await harness.start_broker()
    try:
        services = await service_latencies(harness, broker, plan)
        baselines = {rate: await broker_latencies(broker, plan, rate) for rate in services}
        slowest = plan.latency_rates[0]
        short_wait = await broker_latencies(
            broker, plan, slowest, fetch_max_wait_ms=SHORT_FETCH_WAIT_MS
        )
    finally:
        harness.stop_broker(broker)
    for rate, service in services.items():
        done = [s for s in service.latencies if s is not None]
        reached = [b for b in baselines[rate] if b is not None]
        for name, fraction in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
            section.add(
                f"SQLite, {rate:g}/s", f"latency {name}", "ms",
                ms(percentile(done, fraction)), ms(percentile(reached, fraction)),
            )  # fmt: skip
        section.note(
            f"{rate:g}/s: {len(done)} of {len(service.latencies)} sampled profiles (every "
            f"{sample_every(rate)}. create) appeared within "
            f"{GIVE_UP:g}s, {len(reached)} of {len(baselines[rate])} broker messages arrived; "
            f"the poller sent {service.polls / service.seconds:.0f} GET/s; customer used "
            f"{service.customer_cpu / service.seconds:.0%} and analytics "
            f"{service.analytics_cpu / service.seconds:.0%} of a core"
        )
    quick = [b for b in short_wait if b is not None]
    section.note(
        f"the same broker round trip at {slowest:g}/s with fetch_max_wait_ms="
        f"{SHORT_FETCH_WAIT_MS} instead of the services' {SERVICES_FETCH_WAIT_MS}: p50 "
        f"{ms(percentile(quick, 0.5)):.1f} ms, p99 {ms(percentile(quick, 0.99)):.1f} ms: on "
        "this broker, most of both figures above is the consumers' fetch wait"
    )


def section(plan: Plan) -> Section:
    return Section(
        key="latency",
        title="2. Write -> analytics profile latency at a steady rate",
        service_name="service",
        baseline_name="broker",
        method=[
            f"{', '.join(f'{r:g}' for r in plan.latency_rates)} creates/s, "
            f"{plan.latency_seconds:g} s each (open loop) "
            "through python -m crm_customer, python -m crm_analytics",
            "on SQLite, one bundled broker.",
            "service: from the POST's 201 to the first 200 of analytics' GET /v1/profiles/{id}: "
            "commit -> relay ->",
            "         broker -> consumer -> projection, for every n-th create (about "
            f"{SAMPLED_PER_SECOND:g} a second). Each sampled id",
            "         is polled every 10 ms, then every 10% of the time waited (<= 100 ms), at "
            "most max(100, 10 x sampled/s)",
            "         GET/s in all, so the figure is within ~10% + one GET.",
            f"broker:  the same rate of 1 KiB messages, aiokafka producer -> broker -> aiokafka "
            f"consumer ({PARTITIONS} partitions)",
            "         with the services' client settings; from just before send() to getmany() "
            "returning it.",
        ],
    )

"""1. Create-customer throughput: the customer service vs a bare FastAPI + one INSERT.

A closed loop: ``concurrency`` keep-alive connections, each sending its next POST as soon as
the previous answer is in, for ``requests`` requests after ``warmup`` requests. Every request
has a unique name, e-mail, phone and Idempotency-Key, so the service takes its full create
path (no duplicate warnings, no idempotent replays).
"""

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.benchmarks.harness import Child, Harness
from tests.benchmarks.plan import Plan
from tests.benchmarks.procstat import cpu_seconds, own_cpu_seconds
from tests.benchmarks.report import Section
from tests.benchmarks.stats import ms, percentile


@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    server_cpu: float = 0.0  # CPU seconds the server process used during the run
    client_cpu: float = 0.0  # CPU seconds this process (the load generator) used

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 201)


def customer_request(run: str, i: int) -> tuple[bytes, dict[str, str]]:
    body = {
        "kind": "individual",
        "name": f"Bench Customer {run} {i}",
        "email": f"bench.{run}.{i}@example.com",
        # A valid, distinct US number per request (212-200-0000 ... 212-999-9999).
        "phone": f"+1 212 {200 + (i // 10_000) % 800:03d} {i % 10_000:04d}",
    }
    return json.dumps(body).encode(), {"Idempotency-Key": f"bench-{run}-{i}"}


async def closed_loop(
    child: Child, run: str, first: int, count: int, concurrency: int
) -> LoadResult:
    result = LoadResult()
    indices = iter(range(first, first + count))

    async def worker() -> None:
        async with child.pool.connection() as connection:
            for i in indices:
                body, headers = customer_request(run, i)
                started = time.perf_counter()
                response = await connection.request("POST", "/v1/customers", body, headers)
                result.latencies.append(time.perf_counter() - started)
                result.statuses[response.status] += 1

    server_cpu, client_cpu = cpu_seconds(child.pid), own_cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    result.server_cpu = cpu_seconds(child.pid) - server_cpu
    result.client_cpu = own_cpu_seconds() - client_cpu
    return result


async def measure(child: Child, plan: Plan, run: str) -> LoadResult:
    await closed_loop(child, run, 0, plan.create_warmup, plan.concurrency)
    result = await closed_loop(
        child, run, plan.create_warmup, plan.create_requests, plan.concurrency
    )
    if result.failed:
        raise RuntimeError(
            f"{child.name}: {result.failed} of {plan.create_requests} creates failed "
            f"(statuses {dict(result.statuses)}); last log lines:\n{child.log_tail()}"
        )
    return result


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    postgres_missing = await harness.postgres_unavailable()
    backends: list[tuple[str, bool]] = [("SQLite", False), ("PostgreSQL", True)]
    for label, on_postgres in backends:
        if on_postgres and postgres_missing:
            section.note(f"PostgreSQL rows skipped: {postgres_missing}")
            continue
        broker = await harness.start_broker()
        try:
            service_url = await harness.create_database() if on_postgres else None
            baseline_url = await harness.create_database() if on_postgres else None
            baseline_child = await harness.start_baseline(baseline_url)
            baseline = await measure(baseline_child, plan, harness.run_id)
            await harness.stop(baseline_child)

            service_child = await harness.start_service("customer", broker, service_url)
            service = await measure(service_child, plan, harness.run_id)
            await harness.stop(service_child)
        finally:
            harness.stop_broker(broker)
        section.add(label, "throughput", "req/s", service.rate, baseline.rate)
        for name, fraction in (("p50", 0.50), ("p99", 0.99)):
            section.add(
                label, f"latency {name}", "ms",
                ms(percentile(service.latencies, fraction)),
                ms(percentile(baseline.latencies, fraction)),
            )  # fmt: skip
        section.add(
            label, "server CPU per request", "ms",
            ms(service.server_cpu / plan.create_requests),
            ms(baseline.server_cpu / plan.create_requests),
        )  # fmt: skip
        section.note(
            f"{label}: the load generator itself used {service.client_cpu / service.seconds:.0%} "
            f"of a core during the service run, {baseline.client_cpu / baseline.seconds:.0%} "
            "during the baseline run"
        )


def section(plan: Plan) -> Section:
    return Section(
        key="create",
        title="1. Create customer: POST /v1/customers, throughput and latency",
        method=[
            f"Closed loop: {plan.concurrency} keep-alive connections, {plan.create_requests} "
            f"requests timed after {plan.create_warmup} warm-up ones; each",
            "with its own name, e-mail, phone and Idempotency-Key. Latency: request written -> "
            "response read.",
            "service:  python -m crm_customer, bus running: validation, duplicate check, "
            "idempotency key, lifecycle",
            "          and outbox rows in one commit; its relay publishes to a bundled broker.",
            "baseline: tests/benchmarks/baseline_app.py: bare FastAPI, one INSERT + COMMIT, the "
            "same engine settings",
            "          and uvicorn options as the services. Each side gets a fresh database.",
            "server CPU per request: user + system time of the server process / requests; "
            "unlike req/s it does",
            "          not depend on how much CPU the load generator and the broker take away.",
        ],
    )

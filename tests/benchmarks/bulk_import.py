"""5. CSV import of N new customers, and the views converging on them.

A fresh broker; customer, sales, support, marketing and analytics started as ``python -m
crm_<svc>`` on SQLite (the embedded default), each ready (consumers holding their
partitions) before anything is sent. Then:

- baseline, bare insert: this process reads the same CSV with ``csv.DictReader`` and inserts
  its rows into an empty copy of the ``customers`` table (same columns and indexes, same
  engine settings as the services) with one multi-row INSERT per 1,000 rows, in one
  transaction: no validation, no normalisation, no matching, no tags, history or events;
- service: one ``POST /v1/customers/import`` (text/csv) of the file. Rows/s = N / the
  request's wall time (the whole file is one transaction: parse, match, write, commit);
- views: from the moment the request is sent, each view's /metrics
  ``crm_events_consumed_total{event_type="crm.customer.created.v1", outcome="applied"}`` (and
  the customer service's ``crm_outbox_published_total``) is read every 100 ms; a view has
  converged when it has applied all N. Events/s = N / (converged - request sent): end to end,
  import included. The same figure from the response on (relay and consumers only) is
  reported too;
- baseline, raw consume: once the views have converged, a plain aiokafka consumer in a fresh
  group reads the same N events from ``crm.customer`` (rate from partition assignment to the
  N-th message).
"""

import asyncio
import csv
import io
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from crm_customer.customers.models import Customer
from crm_launcher.broker import BundledBroker
from crm_shared.db.engine import create_engine
from sqlalchemy import insert

from tests.benchmarks.catchup import raw_consume
from tests.benchmarks.harness import AUTHORIZATION, Child, Harness
from tests.benchmarks.plan import Plan
from tests.benchmarks.procstat import cpu_seconds, own_cpu_seconds
from tests.benchmarks.report import Section
from tests.benchmarks.stats import ms

VIEWS = ("sales", "support", "marketing", "analytics")
CREATED = "crm.customer.created.v1"
SAMPLE_EVERY = 0.1
GIVE_UP = 600.0  # seconds without progress before a run is declared stuck
ROWS_PER_INSERT = 1_000
_SAMPLE = re.compile(rb"^(crm_events_consumed_total|crm_outbox_published_total)\{([^}]*)\} (\S+)$")
_LABEL = re.compile(rb'(\w+)="([^"]*)"')

HEADER = "external_id,name,kind,email,phone,company,city,region,industry,owner,tags,lifecycle_stage"
STAGES = ("potential", "prospect", "customer")


def import_csv(run: str, count: int) -> bytes:
    """N distinct new customers (name, e-mail, phone, external id), as a CRM export would
    give them: a few profile columns, two tags each, an owner, a stage."""
    lines = [HEADER]
    for i in range(count):
        lines.append(
            f"ERP-{run}-{i},Import Customer {run} {i},individual,import.{run}.{i}@example.com,"
            # A valid, distinct US number per row (212-200-0000 ... 212-999-9999).
            f"+1 212 {200 + (i // 10_000) % 800:03d} {i % 10_000:04d},Company {i % 997},"
            f"City {i % 53},Region {i % 7},Industry {i % 11},owner-{i % 5},"
            f"wave-{i % 3}|segment-{i % 17},{STAGES[i % 3]}"
        )
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Timed:
    seconds: float
    cpu: float  # CPU seconds of the process doing the work

    def rate(self, count: int) -> float:
        return count / self.seconds


async def bare_insert(content: bytes, database: Path) -> Timed:
    """The same rows into an empty ``customers`` table, as they are, in one transaction."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: Customer.__table__.create(sync))
        blank: dict[str, Any] = {column.key: None for column in Customer.__table__.columns}
        lists = [c.key for c in Customer.__table__.columns if c.default is not None]
        cpu, started = own_cpu_seconds(), time.perf_counter()
        now = datetime.now(UTC)
        rows = []
        for cells in csv.DictReader(io.StringIO(content.decode())):
            rows.append(
                {
                    **blank,
                    **{column: [] for column in lists},
                    **{k: v for k, v in cells.items() if k != "tags" and v},
                    "id": str(uuid.uuid4()),
                    "version": 1,
                    "status": "active",
                    "name_folded": cells["name"],
                    "created_at": now,
                    "updated_at": now,
                }
            )
        async with engine.begin() as connection:
            for first in range(0, len(rows), ROWS_PER_INSERT):
                await connection.execute(
                    insert(Customer.__table__), rows[first : first + ROWS_PER_INSERT]
                )
        return Timed(time.perf_counter() - started, own_cpu_seconds() - cpu)
    finally:
        await engine.dispose()


async def counters(child: Child) -> dict[str, float]:
    """Created events applied (views) or events published (the customer service's relay)."""
    body = (await child.pool.request("GET", "/metrics")).body
    totals: dict[str, float] = {}
    for line in body.splitlines():
        sample = _SAMPLE.match(line)
        if not sample:
            continue
        name, labels, value = sample.groups()
        label = {k.decode(): v.decode() for k, v in _LABEL.findall(labels)}
        if name == b"crm_outbox_published_total":
            key = "published"
        elif label.get("event_type") == CREATED:
            key = label.get("outcome", "")
        else:
            continue
        totals[key] = totals.get(key, 0.0) + float(value)
    return totals


async def wait_for(child: Child, key: str, count: int, started: float) -> float:
    """Seconds from ``started`` until ``child``'s counter ``key`` reaches ``count``."""
    last, last_progress = 0.0, time.perf_counter()
    while True:
        totals = await counters(child)
        now = time.perf_counter()
        if totals.get("dead_lettered"):
            raise RuntimeError(f"{child.name} dead-lettered events:\n{child.log_tail()}")
        if totals.get(key, 0.0) >= count:
            return now - started
        if totals.get(key, 0.0) > last:
            last, last_progress = totals[key], now
        elif now - last_progress > GIVE_UP:
            raise RuntimeError(f"{child.name} stuck at {last:.0f} of {count} ({key})")
        await asyncio.sleep(SAMPLE_EVERY)


async def post_import(
    customer: Child, content: bytes, count: int, expect: str = "created"
) -> tuple[Timed, float]:
    """One POST of the file, all of whose rows must come out as ``expect``; (its wall time
    and the service's CPU, when it was sent)."""
    url = f"http://{customer.pool.host}:{customer.pool.port}"
    async with httpx.AsyncClient(base_url=url, timeout=GIVE_UP, headers=AUTHORIZATION) as client:
        cpu = cpu_seconds(customer.pid)
        sent = time.perf_counter()
        response = await client.post(
            "/v1/customers/import",
            content=content,
            headers={"content-type": "text/csv", "Idempotency-Key": f"bench-{uuid.uuid4()}"},
        )
        seconds = time.perf_counter() - sent
        cpu = cpu_seconds(customer.pid) - cpu
    summary = response.json() if response.status_code == 200 else None
    if summary is None or summary[expect] != count or summary["errors"]:
        raise RuntimeError(
            f"the import answered {response.status_code}: {response.text[:500]}\n"
            f"{customer.log_tail()}"
        )
    return Timed(seconds, cpu), sent


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    count = plan.import_rows
    content = import_csv(harness.run_id, count)
    label = f"SQLite ({count:,})"
    broker: BundledBroker = await harness.start_broker()
    try:
        customer = await harness.start_service("customer", broker)
        views = await asyncio.gather(*(harness.start_service(name, broker) for name in VIEWS))
        baseline = await bare_insert(content, harness.root / f"bare-{harness.run_id}.db")

        started = time.perf_counter()
        watchers = {
            view.name: asyncio.create_task(wait_for(view, "applied", count, started))
            for view in views
        }
        try:
            imported, _ = await post_import(customer, content, count)
            relay = await wait_for(customer, "published", count, started)
            converged = {name: await task for name, task in watchers.items()}
        finally:
            for task in watchers.values():
                task.cancel()
        raw = await raw_consume(broker, count, plan)
        again, _ = await post_import(customer, content, count, expect="skipped")
        for child in [customer, *views]:
            await harness.stop(child)
    finally:
        harness.stop_broker(broker)

    section.add(label, "import", "rows/s", imported.rate(count), baseline.rate(count))
    section.add(
        label, "import CPU per row", "ms", ms(imported.cpu / count), ms(baseline.cpu / count)
    )
    section.add(label, "re-import, all skipped", "rows/s", again.rate(count), baseline.rate(count))
    for name, seconds in converged.items():
        section.add(name, "converged, end to end", "events/s", count / seconds, raw.rate)
    for name, seconds in converged.items():
        after = seconds - imported.seconds
        section.add(name, "converged after the response", "events/s", count / after, raw.rate)
    section.note(
        f"import request {imported.seconds:.1f} s (bare insert {baseline.seconds:.2f} s); "
        f"relay had published all {count:,} events {relay:.1f} s after the request was sent; "
        "views converged after "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in converged.items())
        + f"; the raw consumer read them in {raw.seconds:.2f} s"
    )


def section(plan: Plan) -> Section:
    return Section(
        key="import",
        title="5. CSV import of new customers, and the views converging on them",
        service_name="service",
        baseline_name="baseline",
        method=[
            f"N = {plan.import_rows:,} new customers in one CSV: external id, name, e-mail, "
            "phone, company, city, region,",
            "industry, owner, two tags, stage. customer, sales, support, marketing and "
            "analytics on SQLite, one broker.",
            "import:    one POST /v1/customers/import; N / its wall time (one transaction: "
            "parse, validate, match,",
            "           write customers, tags, history and outbox, commit). re-import: the "
            "same file again (all skipped).",
            "           Baseline: the same rows bulk-inserted bare into an empty copy of the "
            "customers table",
            "           (csv.DictReader, INSERTs of 1,000 rows, one transaction), in this "
            "process, same engine settings.",
            "CPU per row: the customer process's CPU during the request / N; the baseline's: "
            "this process's.",
            "views:     N / the time from sending the request (end to end), or from its "
            "response, until the view",
            "           has applied all N created events (its /metrics, read every 100 ms). "
            "Baseline: a raw aiokafka",
            "           consumer reading the same N events from crm.customer afterwards "
            "(partition assignment to N-th).",
        ],
    )

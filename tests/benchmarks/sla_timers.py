"""8. SLA timers: how fast a backlog of due breach timers fires, and how late a breach event
is at steady load. In-process, on the support service's own database, tables, timer worker
and breach handler (``crm_support.sla.timers``); the system clock.

- Backlog: N complaints whose first-contact target (2 hours) fell due an hour ago, each with
  its pending ``sla.breach`` timer, written straight into the tables (as after an outage);
  then the timer worker's passes run until none is due. Service: the worker as configured
  (chunks of ``CRM_TIMER_CHUNK_SIZE`` timers per transaction); baseline: the same worker
  firing one timer per transaction (chunk size 1, the design before chunks), on a backlog
  of its own.
- Steady load: complaints opened over HTTP (in-process ASGI) at a steady rate with a
  two-second first-contact target, the service's own timer worker running; the delay of
  each breach is the event's ``breached_at`` minus the target's ``due_at``. Baseline: bare
  timers (a handler that only notes the time) scheduled at the same rate on a worker of
  their own, with no tickets being opened.
"""

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crm_shared.clock import SYSTEM_CLOCK
from crm_shared.db import UnitOfWork, is_postgres
from crm_shared.testing import app_client, deliver, deliveries_of, outbox_events
from crm_shared.testing.customer_events import created
from crm_shared.timers import Timer, TimerSettings, TimerWorker, schedule
from crm_support.app import create_app
from crm_support.handlers import handlers as support_handlers
from crm_support.settings import SupportSettings
from crm_support.sla.timers import timer_handlers
from crm_support.tickets.models import Ticket, TicketTarget
from fastapi import FastAPI
from sqlalchemy import insert

from tests.benchmarks.harness import Harness
from tests.benchmarks.plan import Plan
from tests.benchmarks.report import Section
from tests.benchmarks.stats import ms, percentile

BREACH = "sla.breach"
PROBE = "bench.probe"
CUSTOMERS = 200
INSERT_CHUNK = 5_000
BREACHED = "crm.support.sla.breached.v1"


@contextlib.asynccontextmanager
async def support_app(
    database_url: str, data_dir: Path, *, quiet: bool, **settings: Any
) -> AsyncIterator[FastAPI]:
    """The support app in this process; ``quiet``: its own timer worker looks only once
    an hour (the measurement runs the passes)."""
    previous = os.environ.get("CRM_TIMER_POLL_SECONDS")
    if quiet:
        os.environ["CRM_TIMER_POLL_SECONDS"] = "3600"
    try:
        config = SupportSettings(database_url=database_url, data_dir=data_dir, **settings)
        app = create_app(config, run_bus=False, clock=SYSTEM_CLOCK)
    finally:
        if previous is None:
            os.environ.pop("CRM_TIMER_POLL_SECONDS", None)
        else:
            os.environ["CRM_TIMER_POLL_SECONDS"] = previous
    async with app.router.lifespan_context(app):
        yield app


def customer_ids() -> list[str]:
    return [str(uuid.uuid4()) for _ in range(CUSTOMERS)]


async def seed_customers(app: FastAPI, ids: Sequence[str]) -> None:
    events = [created(customer_id, tags=[]) for customer_id in ids]
    await deliver(app.state.runtime.unit_of_work, support_handlers, deliveries_of(*events))


async def seed_backlog(app: FastAPI, count: int, customers: Sequence[str]) -> None:
    """``count`` complaints received three hours ago, never contacted: their first contact
    (two hours) is overdue, its breach timer pending."""
    runtime = app.state.runtime
    received = datetime.now(UTC) - timedelta(hours=3)
    due = received + timedelta(hours=2)
    for start in range(0, count, INSERT_CHUNK):
        size = min(INSERT_CHUNK, count - start)
        ids = [str(uuid.uuid4()) for _ in range(size)]
        tickets = [
            ticket_row(i, customers[n % len(customers)], received) for n, i in enumerate(ids)
        ]
        targets = [
            {
                "ticket_id": i,
                "target": "first_contact",
                "state": "running",
                "start_reading": 0.0,
                "budget_seconds": 7200.0,
                "due_at": due,
                "at_risk_at": received + timedelta(minutes=96),
            }
            for i in ids
        ]
        timers = [
            {
                "kind": BREACH,
                "key": f"{i}:first_contact",
                "due_at": due,
                "run_at": due,
                "payload": {},
                "state": "pending",
                "version": 1,
                "attempts": 0,
                "created_at": received,
                "updated_at": received,
            }
            for i in ids
        ]
        async with runtime.session_factory() as session, session.begin():
            await session.execute(insert(Ticket.__table__), tickets)
            await session.execute(insert(TicketTarget.__table__), targets)
            await session.execute(insert(runtime.tables.timers), timers)


def ticket_row(ticket_id: str, customer_id: str, received: datetime) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "customer_id": customer_id,
        "kind": "complaint",
        "category": "delivery",
        "channel": "phone",
        "status": "received",
        "priority": "normal",
        "grievance": False,
        "was_grievance": False,
        "description": "The parcel never came.",
        "inconsistent_answers": False,
        "received_by": "agent-1",
        "owner": "agent-1",
        "major": False,
        "major_reasons": [],
        "contacts": 0,
        "handovers": 0,
        "reopened": 0,
        "received_at": received,
        "clock_consumed_seconds": 0.0,
        "clock_running_since": received,
        "created_by": "agent-1",
        "created_at": received,
        "version": 1,
        "updated_at": received,
    }


def worker_of(app: FastAPI, handlers: dict[str, Any], **settings: Any) -> TimerWorker:
    runtime = app.state.runtime
    return TimerWorker(
        service="support-bench",
        tables=runtime.tables,
        unit_of_work=runtime.unit_of_work,
        read_session_factory=runtime.read_session_factory,
        clock=SYSTEM_CLOCK,
        handlers=handlers,
        settings=TimerSettings(**settings),
        skip_locked=is_postgres(runtime.settings.database_url),
    )


async def fire_backlog(
    harness: Harness, label: str, url: str | None, count: int, chunk_size: int
) -> float:
    """Timers fired per second from a backlog of ``count`` due breach timers."""
    folder = harness.root / f"sla-{label}-{chunk_size}-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    database_url = url or f"sqlite+aiosqlite:///{folder / 'support.db'}"
    async with support_app(database_url, folder, quiet=True) as app:
        customers = customer_ids()
        await seed_customers(app, customers)
        await seed_backlog(app, count, customers)
        breach = timer_handlers(app.state.runtime.settings)[BREACH]
        worker = worker_of(app, {BREACH: breach}, chunk_size=chunk_size, batch_size=1_000)
        started = time.perf_counter()
        fired = 0
        while True:
            done = await worker.fire_due()
            if not done:
                break
            fired += done
        seconds = time.perf_counter() - started
        breached = len(await outbox_events(app, BREACHED))
        if fired != count or breached != count:
            raise AssertionError(f"{label}: fired {fired}, breached {breached} of {count}")
    return count / seconds


async def steady_delays(
    harness: Harness, url: str | None, rate: float, seconds: float
) -> list[float]:
    """Seconds from each breach's due time to its breach, complaints opened at ``rate``."""
    folder = harness.root / f"sla-steady-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    database_url = url or f"sqlite+aiosqlite:///{folder / 'support.db'}"
    async with support_app(
        database_url, folder, quiet=False, sla_first_contact=timedelta(seconds=2)
    ) as app:
        customers = customer_ids()
        await seed_customers(app, customers)
        count = int(rate * seconds)
        async with app_client(app, "http://support") as client:
            started = time.perf_counter()
            for n in range(count):
                await pace(started, n, rate)
                response = await client.post(
                    "/v1/tickets",
                    json={
                        "customer_id": customers[n % len(customers)],
                        "kind": "complaint",
                        "category": "delivery",
                        "channel": "phone",
                        "description": "The parcel never came.",
                        "received_by": "agent-1",
                    },
                )
                if response.status_code != 201:
                    raise AssertionError(f"POST /v1/tickets: {response.status_code}")
        deadline = time.perf_counter() + 30
        while True:
            events = await outbox_events(app, BREACHED)
            if len(events) >= count or time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.2)
    delays = [
        (event.payload.breached_at - event.payload.due_at).total_seconds()
        for event in events
        if event.payload.target == "first_contact"
    ]
    if len(delays) != count:
        raise AssertionError(f"{len(delays)} breaches of {count} within 30 s")
    return delays


async def probe_delays(
    harness: Harness, url: str | None, rate: float, seconds: float
) -> list[float]:
    """The same for bare timers: due two seconds after they are scheduled, at ``rate``."""
    folder = harness.root / f"sla-probe-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    database_url = url or f"sqlite+aiosqlite:///{folder / 'support.db'}"
    delays: list[float] = []
    count = int(rate * seconds)
    all_fired = asyncio.Event()

    async def probe(uow: UnitOfWork, timer: Timer) -> None:
        delays.append((uow.clock.now() - timer.due_at).total_seconds())
        if len(delays) >= count:
            all_fired.set()

    async with support_app(database_url, folder, quiet=True) as app:
        worker = worker_of(app, {PROBE: probe})
        task = asyncio.create_task(worker.run())
        try:
            started = time.perf_counter()
            for n in range(count):
                await pace(started, n, rate)
                async with app.state.runtime.unit_of_work() as uow:
                    due = uow.clock.now() + timedelta(seconds=2)
                    await schedule(uow, kind=PROBE, key=str(n), due_at=due)
                    await uow.commit()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(all_fired.wait(), 30)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return delays


async def pace(started: float, n: int, rate: float) -> None:
    """Wait until the ``n``-th send is due at ``rate`` per second (an open-loop load)."""
    wait = started + n / rate - time.perf_counter()
    if wait > 0:
        await asyncio.sleep(wait)


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    postgres_missing = await harness.postgres_unavailable()
    backends: list[tuple[str, bool]] = [("SQLite", False), ("PostgreSQL", True)]
    for label, on_postgres in backends:
        if on_postgres and postgres_missing:
            section.note(f"PostgreSQL rows skipped: {postgres_missing}")
            continue
        chunked_url = await harness.create_database() if on_postgres else None
        chunked = await fire_backlog(
            harness, label, chunked_url, plan.timer_backlog, TimerSettings().chunk_size
        )
        single_url = await harness.create_database() if on_postgres else None
        single = await fire_backlog(harness, label, single_url, plan.timer_backlog_baseline, 1)
        section.add(
            f"{label} backlog ({plan.timer_backlog:,} vs {plan.timer_backlog_baseline:,})",
            "breaches fired",
            "timers/s",
            chunked,
            single,
        )
        steady_url = await harness.create_database() if on_postgres else None
        probe_url = await harness.create_database() if on_postgres else None
        rate, seconds = plan.timer_steady_rate, plan.timer_steady_seconds
        delays = await steady_delays(harness, steady_url, rate, seconds)
        bare = await probe_delays(harness, probe_url, rate, seconds)
        for name, fraction in (("p50", 0.5), ("p95", 0.95), ("max", 1.0)):
            section.add(
                f"{label} at {rate:.0f} complaints/s",
                f"due → breach {name}",
                "ms",
                ms(percentile(delays, fraction)),
                ms(percentile(bare, fraction)),
            )
    section.note(
        f"chunk size {TimerSettings().chunk_size} (CRM_TIMER_CHUNK_SIZE); the baseline backlog "
        "is smaller because one transaction per timer is slow: compare rates"
    )


def section(plan: Plan) -> Section:
    return Section(
        key="timers",
        title="8. SLA timers: a backlog of due breaches, and the breach delay at steady load",
        service_name="support",
        baseline_name="baseline",
        method=[
            "Backlog: N overdue first-contact targets with their pending sla.breach timers "
            "written into the",
            "  support database; timer passes until none is due. Baseline: one timer per "
            "transaction (chunk 1).",
            "  Each breach: target breached, ticket major and escalated, history, events "
            "in the outbox.",
            "Steady load: complaints opened over in-process HTTP at a fixed rate, first "
            "contact PT2S; the",
            "  service's own timer worker; delay = breached_at - due_at of each breach "
            "event. Baseline: bare",
            "  timers (the handler notes the time) scheduled at the same rate, nothing else "
            "running.",
        ],
    )

"""4. Resident memory of each idle service, vs a bare uvicorn process running the baseline app.

Every service is started as ``python -m crm_<svc>`` on SQLite with the bus running (relay and
consumers connected to a bundled broker; the console has neither: it only serves pages), left
idle for a moment after /readyz answers, and its VmRSS read from /proc/<pid>/status. The
baseline is ``baseline_app`` (FastAPI + SQLAlchemy async + aiosqlite + uvicorn, no bus)
started and measured the same way.
"""

import asyncio

from crm_launcher.services import SERVICE_NAMES

from tests.benchmarks.harness import Harness
from tests.benchmarks.plan import Plan
from tests.benchmarks.procstat import rss_mib
from tests.benchmarks.report import Section


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    broker = await harness.start_broker()
    try:
        baseline = await harness.start_baseline()
        services = await asyncio.gather(
            *(harness.start_service(name, broker) for name in SERVICE_NAMES)
        )
        await asyncio.sleep(plan.idle_seconds)
        baseline_rss = rss_mib(baseline.pid)
        total = 0.0
        for child in services:
            rss = rss_mib(child.pid)
            total += rss
            section.add(child.name, "RSS", "MiB", rss, baseline_rss)
        section.note(
            f"all {len(services)} services together: {total:.0f} MiB "
            f"(the broker: {rss_mib(broker.pid) if broker.pid else float('nan'):.0f} MiB)"
        )
        for child in [*services, baseline]:
            await harness.stop(child)
    finally:
        harness.stop_broker(broker)


def section(plan: Plan) -> Section:
    return Section(
        key="memory",
        title="4. Resident memory of each idle service",
        service_name="service",
        baseline_name="bare uvicorn",
        method=[
            "python -m crm_<svc> on SQLite, relay and consumer connected to a bundled broker; "
            "VmRSS from",
            f"/proc/<pid>/status {plan.idle_seconds:g} s after all of them answer /readyz.",
            "bare uvicorn: tests/benchmarks/baseline_app.py (FastAPI, SQLAlchemy async, "
            "aiosqlite, no bus),",
            "measured the same way at the same moment. The console has no database and no "
            "bus (pages only).",
        ],
    )

"""10. Segment membership: how many changed profiles per second the incremental refresh
keeps ten segments current for, against the naive full rescan. In-process, on the analytics
service's own database, tables and use case (``refresh_membership``); SQLite and PostgreSQL.

N profiles with their score rows and tags are written straight into the tables, ten
segments saved, and their membership evaluated once (that setup's events are not kept).
Then batches of 500 profiles change (industry, churn level, spend: written outside the
timing) and each batch is refreshed and committed, its join and leave events included:

- service: ``refresh_membership(uow, the 500 ids)``, per segment the filter AND "among these
  ids" against the stored rows of the same ids;
- baseline: ``refresh_membership(uow, None)``, every segment re-evaluated over the whole
  table per batch (the naive rescan), on the same database and the same kind of batches.

Rate = changed profiles refreshed per second of refresh + commit.
"""

import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm_analytics.app import create_app
from crm_analytics.profiles.models import Profile, ProfileTag
from crm_analytics.scores.models import CustomerScore
from crm_analytics.segments.schemas import SegmentCreate
from crm_analytics.segments.service import create, refresh_membership
from crm_analytics.settings import AnalyticsSettings
from crm_shared.clock import SYSTEM_CLOCK
from fastapi import FastAPI
from sqlalchemy import insert, update

from tests.benchmarks.harness import Harness
from tests.benchmarks.plan import QUICK, Plan
from tests.benchmarks.report import Section
from tests.benchmarks.stats import ms, percentile

BATCH = 500
INSERT_CHUNK = 5_000
INDUSTRIES = ("retail", "wholesale", "mining", "software", "health", "food", "energy",
              "media", "transport", "finance")  # fmt: skip
CHURN = ("low", "medium", "high")
RFM = ("champions", "loyal", "new", "at_risk", "hibernating", "lost")
SEGMENTS: list[tuple[str, dict[str, Any]]] = [
    ("Retail", {"field": "industry", "op": "eq", "value": "retail"}),
    ("High risk", {"field": "churn_risk", "op": "eq", "value": "high"}),
    ("Young", {"field": "age_band", "op": "in", "value": ["18-24", "25-34"]}),
    ("Big spenders", {"field": "spend_band", "op": "eq", "value": ">500"}),
    ("VIP tag", {"field": "tags", "op": "contains", "value": "vip"}),
    ("E-mailable", {"field": "consent", "op": "contains", "value": "email"}),
    ("Champions", {"field": "rfm_segment", "op": "in", "value": ["champions", "loyal"]}),
    ("Win-back", {"all": [
        {"field": "churn_risk", "op": "in", "value": ["medium", "high"]},
        {"field": "monetary_total", "op": "gte", "value": 250},
        {"field": "consent", "op": "contains", "value": "email"},
    ]}),
    ("Not retail, active", {"all": [
        {"not": {"field": "industry", "op": "in", "value": ["retail", "wholesale"]}},
        {"field": "recency_days", "op": "lte", "value": 90},
    ]}),
    ("Software or energy", {"any": [
        {"field": "industry", "op": "eq", "value": "software"},
        {"field": "industry", "op": "eq", "value": "energy"},
    ]}),
]  # fmt: skip


def sizes(plan: Plan) -> tuple[int, int, int]:
    """(profiles, incremental batches, rescan batches)."""
    return (5_000, 10, 3) if plan == QUICK else (100_000, 40, 3)


@contextlib.asynccontextmanager
async def analytics_app(database_url: str, folder: Path) -> AsyncIterator[FastAPI]:
    settings = AnalyticsSettings(database_url=database_url, data_dir=folder)
    app = create_app(settings, run_bus=False, clock=SYSTEM_CLOCK)
    async with app.router.lifespan_context(app):
        yield app


def profile_rows(ids: list[str], rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    today = now.date()
    rows = []
    for customer_id in ids:
        vip = rng.random() < 0.1
        rows.append(
            {
                "customer_id": customer_id,
                "status": "active",
                "version": 1,
                "kind": "individual",
                "tags": ["vip"] if vip else [],
                "birth_date": today - timedelta(days=rng.randint(16 * 365, 80 * 365)),
                "industry": rng.choice(INDUSTRIES),
                "segmentation": {},
                "consent": {"email": {"granted": rng.random() < 0.5}},
                "lifecycle_stage": "customer",
                "updated_at": now,
            }
        )
    return rows


def score_rows(ids: list[str], rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": customer_id,
            "sequence": 1,
            "computed_at": now,
            "orders": rng.randint(0, 20),
            "recency_days": rng.randint(0, 700),
            "monetary_total": Decimal(rng.randint(0, 200_000)) / 100,
            "rfm_segment": rng.choice(RFM),
            "window_value": Decimal(0),
            "clv_frequency": 0.0,
            "clv_recency": 0.0,
            "clv_t": 0.0,
            "clv_monetary_value": 0.0,
            "churn_score": rng.random(),
            "churn_level": rng.choice(CHURN),
            "churn_reasons": [],
        }
        for customer_id in ids
    ]


async def seed(app: FastAPI, count: int, rng: random.Random) -> list[str]:
    """``count`` profiles with scores and tags, the ten segments and their members (the
    set-up's events are dropped: the session commits without the outbox)."""
    now = datetime.now(UTC)
    ids = sorted(str(uuid.uuid4()) for _ in range(count))
    async with app.state.runtime.session_factory() as session:
        for start in range(0, count, INSERT_CHUNK):
            chunk = ids[start : start + INSERT_CHUNK]
            profiles = profile_rows(chunk, rng, now)
            await session.execute(insert(Profile), profiles)
            await session.execute(insert(CustomerScore), score_rows(chunk, rng, now))
            tags = [{"tag": "vip", "customer_id": p["customer_id"]} for p in profiles if p["tags"]]
            if tags:
                await session.execute(insert(ProfileTag), tags)
        await session.commit()
    settings = app.state.runtime.settings
    async with app.state.runtime.unit_of_work() as uow:
        for name, filter_ in SEGMENTS:
            body = SegmentCreate.model_validate({"name": name, "filter": filter_})
            await create(uow, body, settings, actor="bench")
        await uow.session.commit()  # the members, not the set-up's events
    return ids


async def change(app: FastAPI, batch: list[str], rng: random.Random) -> None:
    """What a run of events and a scoring run would change for these profiles."""
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            update(Profile),
            [{"customer_id": c, "industry": rng.choice(INDUSTRIES)} for c in batch],
        )
        await session.execute(
            update(CustomerScore),
            [
                {
                    "customer_id": c,
                    "churn_level": rng.choice(CHURN),
                    "monetary_total": Decimal(rng.randint(0, 200_000)) / 100,
                    "recency_days": rng.randint(0, 700),
                }
                for c in batch
            ],
        )
        await session.commit()


async def timed_batches(
    app: FastAPI, ids: list[str], batches: int, rng: random.Random, *, rescan: bool
) -> tuple[float, list[float], int]:
    """(profiles/s, seconds per batch, joins and leaves) over ``batches`` batches."""
    seconds: list[float] = []
    changed = 0
    for _ in range(batches):
        batch = rng.sample(ids, BATCH)
        await change(app, batch, rng)
        started = time.perf_counter()
        async with app.state.runtime.unit_of_work() as uow:
            changed += await refresh_membership(uow, None if rescan else batch, uow.clock.now())
            await uow.commit()
        seconds.append(time.perf_counter() - started)
    return BATCH * batches / sum(seconds), seconds, changed


async def measure(
    harness: Harness, label: str, url: str | None, plan: Plan, section: Section
) -> None:
    count, batches, rescans = sizes(plan)
    folder = harness.root / f"segments-{label}-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    database_url = url or f"sqlite+aiosqlite:///{folder / 'analytics.db'}"
    rng = random.Random(20261205)
    async with analytics_app(database_url, folder) as app:
        started = time.perf_counter()
        ids = await seed(app, count, rng)
        section.note(f"{label}: {count:,} profiles and 10 segments set up in "
                     f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        rate, each, changed = await timed_batches(app, ids, batches, rng, rescan=False)
        base_rate, base_each, base_changed = await timed_batches(
            app, ids, rescans, rng, rescan=True
        )
    where = f"{label}, {count:,} profiles, 10 segments"
    section.add(where, f"batches of {BATCH} refreshed", "profiles/s", rate, base_rate)
    section.add(where, "one batch p50", "ms", ms(percentile(each, 0.5)),
                ms(percentile(base_each, 0.5)))  # fmt: skip
    section.note(
        f"{label}: {changed:,} joins and leaves over {batches} incremental batches, "
        f"{base_changed:,} over {rescans} rescans"
    )


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    postgres_missing = await harness.postgres_unavailable()
    for label, on_postgres in (("SQLite", False), ("PostgreSQL", True)):
        if on_postgres and postgres_missing:
            section.note(f"PostgreSQL rows skipped: {postgres_missing}")
            continue
        url = await harness.create_database() if on_postgres else None
        await measure(harness, label, url, plan, section)


def section(plan: Plan) -> Section:
    count, batches, rescans = sizes(plan)
    return Section(
        key="segments",
        title="11. Segment membership: incremental refresh against the full rescan",
        service_name="incremental",
        baseline_name="rescan",
        method=[
            f"{count:,} profiles with scores and tags written into the analytics tables; ten "
            "segments saved",
            f"  and evaluated once. Then {batches} batches of {BATCH} changed profiles "
            "(industry, churn level,",
            "  spend), each refreshed and committed with its join/leave events: "
            "refresh_membership(the ids).",
            f"  Baseline: {rescans} batches, each re-evaluating every segment over the "
            "whole table (ids None).",
        ],
    )

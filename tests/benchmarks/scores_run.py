"""10. Scores at scale: RFM + ABC + CLV fit and scoring of every customer, and the profile
read, on the analytics service's own database (in-process; SQLite and PostgreSQL).

- CDNOW (69,659 orders of 23,570 customers, loaded into the orders table): the service's
  refit (its SQL summary, the BG/NBD and Gamma-Gamma fit, then RFM, ABC, worksheet, churn
  risk and every customer's predictions written back, with the class events) against the
  reference, ``lifetimes``: its summary of the same orders, its two fits and its
  predictions for every customer (it computes no RFM, ABC or churn risk: less work).
- Generated N customers with ~10 orders each (1,000,000 / 10,000,000 in the full plan),
  loaded in bulk: the first refit (every customer's class is new, so it publishes an event
  for each) and a steady refit (the next night: few classes move). Baseline: ``lifetimes``
  on the same orders (pandas summary, fits and predictions).
- The profile read (``GET /v1/profiles/{id}``, in-process ASGI, every section and the
  scores) of random customers at that size, p50 / p99; baseline: the primary-key read of
  the profile's row alone.
"""

import random
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
import pandas as pd
from crm_analytics.app import create_app
from crm_analytics.profiles.models import Profile
from crm_analytics.scores import service
from crm_analytics.settings import AnalyticsSettings
from crm_shared.api.auth import install_token_verifier
from crm_shared.testing import app_client
from crm_shared.testing.auth import trusting_verifier
from fastapi import FastAPI
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data
from sqlalchemy import select

from tests.benchmarks.cdnow import load_cdnow
from tests.benchmarks.harness import POSTGRES, Harness
from tests.benchmarks.plan import Plan
from tests.benchmarks.report import Section
from tests.benchmarks.stats import ms, percentile

CDNOW_END = date(1998, 6, 30)
GENERATED_END = date(2026, 6, 30)
HISTORY_DAYS = 3 * 365
PROFILE_READS = 2_000
DUE = timedelta(days=30)
COPY_CHUNK = 100_000
ORDERED_AT = 7  # the column of ORDER_COLUMNS that is a time
ORDER_TIME = time_of_day(10)


def customer_id(number: int) -> str:
    return str(uuid.UUID(int=number + 1))


def generated_orders(customers: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customer number, day (days before the end) and amount of each order, drawn from the
    BG/NBD process itself (so the models have something true to find): each customer buys at
    a Poisson rate of their own (gamma-distributed) from a birth day in the three years, and
    may drop out after each purchase (beta-distributed chance); ~9-10 orders per customer."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(2.0, 1 / 60.0, customers)  # purchases per day
    dropout = rng.beta(1.0, 14.0, customers)
    allowed = np.minimum(rng.geometric(dropout), 80)  # purchases before dropping out
    birth = rng.integers(0, HISTORY_DAYS, customers)
    owner = np.repeat(np.arange(customers), allowed)
    gaps = rng.exponential(1.0, owner.size) / rate[owner]
    starts = np.cumsum(allowed) - allowed
    elapsed = np.cumsum(gaps)
    since_birth = elapsed - np.repeat(elapsed[starts] - gaps[starts], allowed)
    since_birth[starts] = 0.0
    day = birth[owner] + since_birth.astype(np.int64)
    kept = day < HISTORY_DAYS
    amounts = np.round(rng.lognormal(3.6, 0.7, int(kept.sum())), 2)
    return owner[kept], HISTORY_DAYS - 1 - day[kept], amounts


def order_rows(owner: np.ndarray, day: list[date], amounts: np.ndarray) -> list[tuple[Any, ...]]:
    ids = [customer_id(n) for n in range(int(owner.max()) + 1)]
    return [
        (f"o{i}", ids[c], 1, "EUR", a, 0.0, 0.0, d, d + DUE, "open", False)
        for i, (c, d, a) in enumerate(zip(owner.tolist(), day, amounts.tolist(), strict=True))
    ]


ORDER_COLUMNS = (
    "order_id", "customer_id", "version", "currency", "total", "paid_amount",
    "written_off_amount", "ordered_at", "due_date", "payment_state", "cancelled",
)  # fmt: skip
PROFILE_COLUMNS = (
    "customer_id", "status", "version", "kind", "name", "tags", "segmentation", "consent",
    "lifecycle_stage", "credit_grade", "updated_at",
)  # fmt: skip


def profile_rows(customers: int) -> list[tuple[Any, ...]]:
    now = datetime(2026, 6, 30, tzinfo=UTC)
    grades = ("A", "B", "C", "D", None)
    return [
        (customer_id(n), "active", 1, "individual", f"Customer {n}", "[]", "{}", "{}",
         "customer", grades[n % 5], now)
        for n in range(customers)
    ]  # fmt: skip


async def load(url: str, folder: Path, orders: list[tuple[Any, ...]], customers: int) -> None:
    """The rows straight into the tables (the projections' own speed is bench 3's)."""
    profiles = profile_rows(customers)
    if url.startswith("sqlite"):
        connection = sqlite3.connect(folder / "analytics.db")
        try:
            for table, columns, rows in (
                ("sales_orders", ORDER_COLUMNS, orders),
                ("profiles", PROFILE_COLUMNS, profiles),
            ):
                marks = ", ".join("?" for _ in columns)
                text_rows = (tuple(_sqlite(value) for value in row) for row in rows)
                connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", text_rows
                )
            connection.commit()
        finally:
            connection.close()
        return
    database = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(database=database, **POSTGRES)
    try:
        for table, columns, rows in (
            ("sales_orders", ORDER_COLUMNS, orders),
            ("profiles", PROFILE_COLUMNS, profiles),
        ):
            for start in range(0, len(rows), COPY_CHUNK):
                records = [_postgres_row(row) for row in rows[start : start + COPY_CHUNK]]
                await connection.copy_records_to_table(table, records=records, columns=columns)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def _sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return f"{value.isoformat()} 10:00:00.000000"
    return value


def _postgres_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """COPY wants a time for a timestamp column and Decimal-able text for numeric ones."""
    return tuple(
        datetime.combine(value, ORDER_TIME, tzinfo=UTC)
        if type(value) is date and position == ORDERED_AT
        else Decimal(str(value))
        if isinstance(value, float)
        else value
        for position, value in enumerate(row)
    )


async def analytics(url: str, folder: Path) -> Any:
    settings = AnalyticsSettings(
        database_url=url, data_dir=folder, clv_min_repeat_customers=2, rate_limit_enabled=False
    )
    return create_app(settings, run_bus=False)


async def timed_refit(app: FastAPI, end: date) -> float:
    settings = app.state.runtime.settings
    started = time.perf_counter()
    async with app.state.runtime.unit_of_work() as uow:
        await service.fit_clv(uow, settings, end)
        await uow.commit()
    return time.perf_counter() - started


def lifetimes_run(customers: np.ndarray, days: list[date], amounts: np.ndarray, end: date) -> None:
    frame = pd.DataFrame(
        {"customer_id": customers, "date": pd.to_datetime(days), "amount": amounts}
    )
    summary = summary_data_from_transaction_data(
        frame, "customer_id", "date", monetary_value_col="amount", freq="D",
        observation_period_end=pd.Timestamp(end),
    )  # fmt: skip
    x, tx, age, m = (
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
    )
    bgnbd = BetaGeoFitter().fit(x, tx, age)
    spenders = summary[(x > 0) & (m > 0)]
    gamma_gamma = GammaGammaFitter().fit(spenders["frequency"], spenders["monetary_value"])
    bgnbd.conditional_expected_number_of_purchases_up_to_time(30, x, tx, age)
    bgnbd.conditional_probability_alive(x, tx, age)
    gamma_gamma.conditional_expected_average_profit(x, m)


async def profile_reads(app: FastAPI, customers: int) -> tuple[list[float], list[float]]:
    ids = [customer_id(random.randrange(customers)) for _ in range(PROFILE_READS)]
    full: list[float] = []
    async with app_client(app, "http://analytics") as client:
        # Tokens verified as in production: the signature once, then remembered.
        remember = app.state.runtime.settings.auth_token_cache_seconds
        install_token_verifier(app, trusting_verifier(remember_seconds=remember))
        for customer in ids[:50]:
            await client.get(f"/v1/profiles/{customer}")  # warm-up
        for customer in ids:
            started = time.perf_counter()
            response = await client.get(f"/v1/profiles/{customer}")
            full.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise AssertionError(f"profile {customer}: {response.status_code}")
    bare: list[float] = []
    async with app.state.runtime.read_session_factory() as session:
        for customer in ids:
            started = time.perf_counter()
            await session.scalar(select(Profile).where(Profile.customer_id == customer))
            bare.append(time.perf_counter() - started)
    return full, bare


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    postgres_missing = await harness.postgres_unavailable()
    cdnow = load_cdnow()
    cdnow_rows = order_rows(
        np.asarray([int(c) - 1 for c in cdnow.customer_ids]),
        list(cdnow.order_dates),
        cdnow.amounts,
    )
    reference_seconds = _seconds(
        lambda: lifetimes_run(cdnow.customer_ids, list(cdnow.order_dates), cdnow.amounts, CDNOW_END)
    )
    size = plan.scores_customers
    owner, days_before, amounts = generated_orders(size)
    days = [GENERATED_END - timedelta(days=int(d)) for d in days_before]
    generated_rows = order_rows(owner, days, amounts)
    generated_reference = _seconds(lambda: lifetimes_run(owner, days, amounts, GENERATED_END))
    section.note(
        f"generated: {size:,} customers, {len(generated_rows):,} orders over three years; "
        f"lifetimes on them {generated_reference:.1f} s (its summary, two fits, predictions)"
    )
    for label, on_postgres in (("SQLite", False), ("PostgreSQL", True)):
        if on_postgres and postgres_missing:
            section.note(f"PostgreSQL rows skipped: {postgres_missing}")
            continue
        for name, rows, customers, end, baseline in (
            ("CDNOW", cdnow_rows, 23_570, CDNOW_END, reference_seconds),
            (f"generated {size:,}", generated_rows, size, GENERATED_END, generated_reference),
        ):
            folder = harness.root / f"scores-{label}-{uuid.uuid4().hex[:6]}"
            folder.mkdir(parents=True)
            url = (
                await harness.create_database()
                if on_postgres
                else f"sqlite+aiosqlite:///{folder / 'analytics.db'}"
            )
            app = await analytics(url, folder)
            async with app.router.lifespan_context(app):
                pass  # migrated
            await load(url, folder, rows, customers)
            app = await analytics(url, folder)
            async with app.router.lifespan_context(app):
                first = await timed_refit(app, end)
                steady = await timed_refit(app, end)
                section.add(f"{label} {name}", "first refit + scoring", "s", first, baseline)
                section.add(f"{label} {name}", "steady refit + scoring", "s", steady, baseline)
                if name != "CDNOW":
                    full, bare = await profile_reads(app, customers)
                    for metric, fraction in (("p50", 0.5), ("p99", 0.99)):
                        section.add(
                            f"{label} {size:,} profiles",
                            f"profile read {metric}",
                            "ms",
                            ms(percentile(full, fraction)),
                            ms(percentile(bare, fraction)),
                        )
    section.note(
        "first refit: every customer's value class and churn level is new, so each publishes "
        "its events (two outbox rows per customer); steady: the same refit again"
    )


def _seconds(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def section(plan: Plan) -> Section:
    return Section(
        key="scores",
        title="10. Scores at scale: RFM + ABC + CLV fit and scoring, and the profile read",
        baseline_name="baseline",
        method=[
            "in-process; the orders and profiles loaded in bulk; refit = the SQL summary, the",
            "BG/NBD + Gamma-Gamma fit, RFM, ABC, worksheet, churn risk, MVC, predictions written",
            "for every customer with their events; baseline: lifetimes' summary, fits and",
            "predictions on the same orders. Profile read: GET /v1/profiles/{id} vs the row alone.",
        ],
    )

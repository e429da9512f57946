"""The scoring run on a real database, from orders delivered through the real handlers: RFM,
ABC and the value class, churn risk, the events of a class or level that moved, and live
rescoring of a customer whose order arrives after the full run."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from crm_analytics.scores.models import CustomerScore, ScoreRun
from crm_analytics.scores.service import rescore
from crm_analytics.segments.timers import REFRESH_ALL
from crm_analytics.settings import AnalyticsSettings
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing import created, erased, merged, uid
from crm_shared.testing.outbox import outbox_events
from crm_shared.testing.sales_fact_events import order, order_cancelled, order_placed
from crm_shared.timers import get_timer
from fastapi import FastAPI
from sqlalchemy import select

from services.analytics.tests.analytics_harness import deliver_run

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
CUSTOMERS = [uid(f"s{n}") for n in range(10)]


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Live runs against the last full run's edges even over these ten customers.
    return {"scores_small_base": 0}


def placed(customer_id: str, days_ago: int, total: str, n: int) -> Any:
    return order_placed(
        order(
            f"o-{customer_id}-{n}",
            customer_id,
            total=total,
            ordered_at=NOW - timedelta(days=days_ago, hours=1),
        )
    )


async def run_full(app: FastAPI) -> None:
    settings: AnalyticsSettings = app.state.runtime.settings
    async with app.state.runtime.unit_of_work() as uow:
        await rescore(uow, settings)
        await uow.commit()


async def scores(app: FastAPI) -> dict[str, CustomerScore]:
    async with app.state.runtime.session_factory() as session:
        rows = (await session.scalars(select(CustomerScore))).all()
        return {row.customer_id: row for row in rows}


async def ten_customers(app: FastAPI) -> None:
    """Customer n spent 10·(n+1) in one order n·30 days ago, and customer 9 also bought
    twice more (three purchase days)."""
    events = [created(c, 1) for c in CUSTOMERS]
    events += [placed(c, 30 * n, str(10 * (n + 1)), 0) for n, c in enumerate(CUSTOMERS)]
    events += [placed(CUSTOMERS[9], 10, "5", 1), placed(CUSTOMERS[9], 5, "5", 2)]
    await deliver_run(app, events, NOW - timedelta(days=1))


async def test_abc_classes_by_value_share_with_the_thresholds_as_ranked(app: FastAPI) -> None:
    await ten_customers(app)
    await run_full(app)
    rows = await scores(app)
    # Values over the year: 10, 20, ..., 90 and 110 (customer 9: 100 + 5 + 5); the top 15 %
    # of ten is 2 customers (A), the next 25 % brings the count to 4 (B).
    classes = [rows[c].abc_class for c in CUSTOMERS]
    assert classes == ["C"] * 6 + ["B", "B", "A", "A"]
    assert rows[CUSTOMERS[9]].window_value == pytest.approx(110)
    assert rows[CUSTOMERS[9]].orders == 3


async def test_rfm_quintiles_and_named_segments(app: FastAPI) -> None:
    await ten_customers(app)
    await run_full(app)
    rows = await scores(app)
    newest, oldest = rows[CUSTOMERS[0]], rows[CUSTOMERS[8]]
    assert (newest.recency_days, newest.r) == (0, 5)
    assert (oldest.recency_days, oldest.r) == (240, 1)
    # Nine customers bought once and one three times: F's edges all sit at 1, so the one-time
    # buyers share F = 1 (ties are never split) and customer 9 is above every edge.
    assert {rows[c].f for c in CUSTOMERS[:9]} == {1}
    assert rows[CUSTOMERS[9]].f == 5
    assert newest.rfm_segment == "new"
    assert oldest.rfm_segment == "lost"
    assert rows[CUSTOMERS[9]].rfm_segment in {"champions", "loyal", "at_risk", "cant_lose"}


async def test_value_class_events_then_nothing_on_an_unchanged_rerun(app: FastAPI) -> None:
    await ten_customers(app)
    await run_full(app)
    first = await outbox_events(app, "crm.analytics.value_class.changed.v1")
    assert len(first) == 10
    await run_full(app)
    assert len(await outbox_events(app, "crm.analytics.value_class.changed.v1")) == 10


async def test_a_new_order_rescores_its_customer_live(app: FastAPI) -> None:
    await ten_customers(app)
    await run_full(app)
    before = (await scores(app))[CUSTOMERS[0]]
    assert before.value_class == "C"
    await deliver_run(app, [placed(CUSTOMERS[0], 0, "500", 9)], NOW)
    after = (await scores(app))[CUSTOMERS[0]]
    assert after.orders == 2
    assert after.sequence > before.sequence
    assert after.value_class in {"A", "VIP"}
    changes = await outbox_events(app, "crm.analytics.value_class.changed.v1")
    assert changes[-1].payload.customer_id == CUSTOMERS[0]
    assert changes[-1].payload.previous == "C"


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_every_run_is_full_while_the_base_is_small(app: FastAPI) -> None:
    # A new installation whose first event is an erasure: its full run has nobody to draw
    # edges from, and must not stand for the base that follows.
    await deliver_run(app, [erased(uid("gone"), 2)], NOW - timedelta(days=2))
    await ten_customers(app)
    big = uid("big")
    await deliver_run(app, [created(big, 1), placed(big, 0, "990000", 0)], NOW)
    rows = await scores(app)
    assert rows[big].value_class == "VIP"
    assert rows[CUSTOMERS[9]].abc_class == "A"
    async with app.state.runtime.session_factory() as session:
        kinds = (await session.scalars(select(ScoreRun.kind))).all()
    assert set(kinds) == {"full"}


async def test_inactive_customer_gets_churn_risk_with_reasons(app: FastAPI) -> None:
    regular = uid("regular")
    # Bought every 30 days for a year, then stopped 200 days ago.
    events = [created(regular, 1)]
    events += [placed(regular, 200 + 30 * n, "50", n) for n in range(8)]
    await deliver_run(app, events, NOW - timedelta(days=1))
    await run_full(app)
    row = (await scores(app))[regular]
    assert row.churn_level == "high" or row.churn_level == "medium"
    codes = [reason["code"] for reason in row.churn_reasons]
    assert codes[0] == "inactive"
    assert "30-day gap" in row.churn_reasons[0]["detail"]


async def test_cancelled_orders_and_erased_customers_have_no_scores(app: FastAPI) -> None:
    await ten_customers(app)
    only_order = order(
        f"o-{CUSTOMERS[1]}-0",
        CUSTOMERS[1],
        total="20",
        ordered_at=NOW - timedelta(days=30, hours=1),
        version=2,
    )
    await deliver_run(app, [order_cancelled(only_order), erased(CUSTOMERS[2], 2)], NOW)
    await run_full(app)
    rows = await scores(app)
    assert CUSTOMERS[1] not in rows
    assert CUSTOMERS[2] not in rows
    assert len(rows) == 8


async def test_erasure_and_merge_reach_the_scores_at_once(app: FastAPI) -> None:
    await ten_customers(app)
    await run_full(app)
    await deliver_run(
        app,
        [erased(CUSTOMERS[2], 2), merged(CUSTOMERS[9], CUSTOMERS[8], 2)],
        NOW,
    )
    rows = await scores(app)
    assert CUSTOMERS[2] not in rows
    assert CUSTOMERS[8] not in rows
    # The survivor is scored over both customers' orders: 3 of its own and 1 of the alias.
    assert rows[CUSTOMERS[9]].orders == 4


async def test_a_full_run_asks_for_every_segment_to_be_refreshed(app: FastAPI) -> None:
    await ten_customers(app)
    await run_full(app)
    async with app.state.runtime.unit_of_work() as uow:
        found = await get_timer(uow, REFRESH_ALL, "everyone")
    assert found is not None

"""``customer.inactive`` from the scoring runs on a real database: one event per customer
crossing a threshold, with the CLV value when a model is fitted; nothing on a replayed run;
a later run publishes the next crossings only; a new order starts the spell over."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from crm_analytics.scores.models import ClvModel
from crm_analytics.scores.service import rescore
from crm_analytics.settings import AnalyticsSettings
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing import created, uid
from crm_shared.testing.outbox import outbox_events
from crm_shared.testing.sales_fact_events import order, order_placed
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver_run

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
INACTIVE = "crm.analytics.customer.inactive.v1"
CUSTOMERS = [uid(f"i{n}") for n in range(10)]


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The nightly refresh stays out of the way (the clock never reaches January here): the
    # tests run the scoring themselves.
    return {"scores_small_base": 0, "scores_refresh_cron": "0 0 1 1 *"}


def placed(customer_id: str, at: datetime, total: str, n: int) -> Any:
    return order_placed(order(f"o-{customer_id}-{n}", customer_id, total=total, ordered_at=at))


async def run(app: FastAPI) -> list[str]:
    settings: AnalyticsSettings = app.state.runtime.settings
    async with app.state.runtime.unit_of_work() as uow:
        result = await rescore(uow, settings)
        await uow.commit()
    return result.inactive


async def crossings(app: FastAPI) -> list[tuple[str, int, int]]:
    events = await outbox_events(app, INACTIVE)
    return [
        (e.payload.customer_id, e.payload.threshold_days, e.payload.days_inactive) for e in events
    ]


async def ten_customers(app: FastAPI) -> None:
    """Customer n bought once, n*30 days ago."""
    events: list[Any] = [created(c, 1) for c in CUSTOMERS]
    events += [
        placed(c, NOW - timedelta(days=30 * n, hours=1), "20", 0) for n, c in enumerate(CUSTOMERS)
    ]
    await deliver_run(app, events, NOW - timedelta(days=1))


async def test_a_run_publishes_each_crossing_once_and_a_replay_nothing(
    app: FastAPI, clock: FakeClock
) -> None:
    await ten_customers(app)
    await run(app)
    assert sorted(await crossings(app)) == sorted(
        [(CUSTOMERS[n], 90, 30 * n) for n in (3, 4, 5)]
        + [(CUSTOMERS[n], 180, 30 * n) for n in (6, 7, 8, 9)]
    )
    (event,) = [
        e for e in await outbox_events(app, INACTIVE) if e.payload.customer_id == CUSTOMERS[3]
    ]
    assert event.key == CUSTOMERS[3]
    assert event.payload.last_activity_at == NOW - timedelta(days=90, hours=1)
    assert event.payload.expected_value is None  # no CLV model fitted
    assert event.payload.currency == "EUR"
    assert await run(app) == []  # the same run again
    assert len(await crossings(app)) == 7
    clock.advance(timedelta(days=30))
    assert sorted(await run(app)) == sorted([CUSTOMERS[2], CUSTOMERS[5]])
    latest = (await crossings(app))[7:]
    assert sorted(latest) == sorted([(CUSTOMERS[2], 90, 90), (CUSTOMERS[5], 180, 180)])


async def test_a_new_order_starts_the_spell_over(app: FastAPI, clock: FakeClock) -> None:
    await ten_customers(app)
    await run(app)
    returning = CUSTOMERS[4]  # crossed 90 days
    await deliver_run(app, [placed(returning, NOW, "30", 1)], NOW)  # a live run
    clock.advance(timedelta(days=89))
    assert returning not in await run(app)
    clock.advance(timedelta(days=1))
    assert returning in await run(app)
    (_, threshold, days) = (await crossings(app))[-1]
    assert (threshold, days) == (90, 90)


async def test_the_expected_value_is_the_clv_prediction(app: FastAPI) -> None:
    # The CDNOW parameters of the reference (Fader, Hardie and Lee 2005; Gamma-Gamma 2013).
    async with app.state.runtime.unit_of_work() as uow:
        uow.session.add(
            ClvModel(
                fitted_at=NOW, observation_end=NOW.date(), customers=2357,
                r=0.243, alpha=4.414, a=0.793, b=2.426, p=6.25, q=3.74, v=15.44,
                bgnbd_log_likelihood=-9582.4, gamma_gamma_log_likelihood=-4050.0,
            )
        )  # fmt: skip
        await uow.commit()
    customer_id = uid("clv")
    await deliver_run(
        app,
        [
            created(customer_id, 1),
            placed(customer_id, NOW - timedelta(days=300), "40", 0),
            placed(customer_id, NOW - timedelta(days=200), "60", 1),
            placed(customer_id, NOW - timedelta(days=100), "50", 2),
        ],
        NOW - timedelta(days=1),
    )
    await run(app)
    (event,) = await outbox_events(app, INACTIVE)
    assert (event.payload.threshold_days, event.payload.days_inactive) == (90, 100)
    assert event.payload.horizon_months == 12
    assert event.payload.expected_value is not None
    assert Decimal(event.payload.expected_value) > 0

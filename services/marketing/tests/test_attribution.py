"""Orders credited to the campaigns that reached the customer before them: the results'
orders, revenue and ROI; a cancelled order withdraws its credit; an order outside the window
or from a customer the campaign never reached is nobody's."""

from datetime import timedelta
from decimal import Decimal

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import uid
from crm_shared.testing.sales_fact_events import order, order_cancelled, order_placed
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    NOON,
    RecordingChannel,
    deliver_events,
    launched,
    members,
    results,
    send_all,
    sender,
)


async def test_orders_after_a_campaign_are_its_revenue_and_roi(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann", "bob")
    await members(app, "cy", segment=uid("nobody-mailed"))
    campaign = await launched(client, fixed_cost="100.00", cost_per_message="0.50")
    await send_all(sender(app, RecordingChannel()))
    clock.advance(timedelta(days=2))
    bought = order("o-ann", uid("ann"), total="300.00", ordered_at=clock.now())
    await deliver_events(
        app,
        order_placed(bought),
        order_placed(order("o-cy", uid("cy"), total="999.00", ordered_at=clock.now())),
        order_placed(
            order("o-bob-old", uid("bob"), total="50.00", ordered_at=NOON - timedelta(days=1))
        ),
    )
    figures = await results(client, campaign["id"])
    assert (figures["orders"], figures["revenue"], figures["cost"]) == (1, "300.00", "101.00")
    assert figures["roi"] == float((Decimal("300.00") - Decimal("101.00")) / Decimal("101.00"))
    assert figures["conversion_rate"] == 0.5
    await deliver_events(app, order_cancelled(bought))
    figures = await results(client, campaign["id"])
    assert (figures["orders"], figures["revenue"]) == (0, "0.00")


async def test_an_order_past_the_window_is_nobodys(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann")
    campaign = await launched(client)
    await send_all(sender(app, RecordingChannel()))
    window = app.state.runtime.settings.attribution_window_days
    clock.advance(timedelta(days=window + 1))
    await deliver_events(
        app, order_placed(order("o-late", uid("ann"), total="80.00", ordered_at=clock.now()))
    )
    assert (await results(client, campaign["id"]))["orders"] == 0

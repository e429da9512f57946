"""The care programmes: the daily run greets whose birthday it is (once a year; 29 February
on the 28th in other years) and everyone on a holiday; a check-up reminder follows the last
order by the set days; every greeting keeps the consent rules."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from crm_marketing.care.service import daily
from crm_shared.clock import FakeClock
from crm_shared.testing import created, uid
from crm_shared.testing.sales_fact_events import order, order_placed
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    RecordingChannel,
    deliver_events,
    send_all,
    sender,
)

XMAS = {
    "date": "2026-12-24",
    "name": "Christmas",
    "subject": "Merry Christmas, {{ first_name }}",
    "text": "Season's greetings!",
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"care_holidays": [XMAS]}


async def run_daily(app: FastAPI) -> int:
    async with app.state.runtime.unit_of_work() as uow:
        enrolled = await daily(uow, app.state.runtime.settings)
        await uow.commit()
    return enrolled


async def campaign_named(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    listed = (await client.get("/v1/campaigns")).json()["items"]
    return next(c for c in listed if c["name"] == name)


async def test_birthday_greetings_once_a_year_to_those_who_consented(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    today = clock.now().date()
    await deliver_events(
        app,
        created(uid("ann"), name="Ann Tester", birth_date=today.replace(year=1990)),
        created(
            uid("bob"),
            name="Bob Tester",
            birth_date=today.replace(year=1985),
            consent={"email": False},
        ),
        created(uid("cy"), name="Cy Tester", birth_date=date(1990, 1, 1)),
    )
    assert await run_daily(app) == 2
    assert await run_daily(app) == 0  # once a year
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert [(m.address, m.subject) for m in channel.sent] == [
        ("ada@example.org", "Happy birthday, Ann!")
    ]
    birthday = await campaign_named(client, "Care: birthday greetings")
    assert birthday["status"] == "running"
    figures = (await client.get(f"/v1/campaigns/{birthday['id']}/results")).json()
    assert figures["suppressed"] == {"no_consent": 1}


async def test_a_leap_day_birthday_is_greeted_on_the_28th(app: FastAPI, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 28, 9, 0, tzinfo=UTC))
    await deliver_events(app, created(uid("leap"), birth_date=date(1996, 2, 29)))
    assert await run_daily(app) == 1


async def test_a_holiday_greets_every_active_customer(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await deliver_events(
        app, created(uid("ann"), name="Ann Tester"), created(uid("bob"), name="Bob Tester")
    )
    clock.set(datetime(2026, 12, 24, 9, 0, tzinfo=UTC))
    assert await run_daily(app) == 2
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert sorted(m.subject or "" for m in channel.sent) == [
        "Merry Christmas, Ann",
        "Merry Christmas, Bob",
    ]
    assert (await campaign_named(client, "Care: Christmas greetings"))["audience"] == 2


async def test_a_check_up_reminder_follows_the_last_order(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    customer = uid("ann")
    await deliver_events(
        app,
        created(customer, name="Ann Tester"),
        order_placed(order("o-1", customer, ordered_at=clock.now())),
    )
    days = app.state.runtime.settings.care_checkup_days
    clock.advance(timedelta(days=days - 10))
    await deliver_events(app, order_placed(order("o-2", customer, ordered_at=clock.now())))
    clock.advance(timedelta(days=10))
    await app.state.runtime.timers.fire_due()
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert channel.sent == []  # the second order moved it
    clock.advance(timedelta(days=days - 10))
    await app.state.runtime.timers.fire_due()
    await send_all(sender(app, channel))
    assert [m.subject for m in channel.sent] == ["Time for a check-up, Ann"]

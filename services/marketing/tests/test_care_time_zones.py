"""The care programmes on the customer's own clock: a birthday or a holiday is greeted on the
customer's date in their time zone (the service's where the master knows none), from the
greeting time of that day, once; the quiet hours of the greeting are theirs too."""

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from crm_marketing.sends.models import CampaignMessage
from crm_shared.clock import FakeClock
from crm_shared.testing import created, uid
from fastapi import FastAPI
from sqlalchemy import select

from services.marketing.tests.marketing_harness import (
    RecordingChannel,
    deliver_events,
    send_all,
    sender,
)
from services.marketing.tests.test_care import XMAS, campaign_named, run_daily

AUCKLAND = "Pacific/Auckland"  # UTC+13 in December
LOS_ANGELES = "America/Los_Angeles"  # UTC-8 in December
BIRTHDAY = date(1990, 12, 6)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The app's own timer worker would run the care schedule whenever the test moves the
    # clock past a run; 1 June is past every moment here, so only the test runs it.
    return {"care_holidays": [XMAS], "care_cron": "0 0 1 6 *"}


async def test_each_is_greeted_on_their_own_birthday_around_midnight_utc(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    kiwi, angeleno, local = uid("kiwi"), uid("angeleno"), uid("local")
    await deliver_events(
        app,
        created(kiwi, name="Kiri Tester", birth_date=BIRTHDAY, time_zone=AUCKLAND),
        created(angeleno, name="Al Tester", birth_date=BIRTHDAY, time_zone=LOS_ANGELES),
        created(local, name="Lu Tester", birth_date=BIRTHDAY),  # no zone: the service's (UTC)
    )
    runs = [
        (datetime(2026, 12, 5, 19, 0, tzinfo=UTC), 0),  # 08:00 on the 6th in Auckland: early
        (datetime(2026, 12, 5, 20, 0, tzinfo=UTC), 1),  # 09:00 there: Kiri
        (datetime(2026, 12, 6, 0, 0, tzinfo=UTC), 0),  # midnight UTC: 16:00 on the 5th in LA
        (datetime(2026, 12, 6, 9, 0, tzinfo=UTC), 1),  # 09:00 UTC: Lu; 01:00 in LA
        (datetime(2026, 12, 6, 17, 0, tzinfo=UTC), 1),  # 09:00 in LA: Al
        (datetime(2026, 12, 7, 7, 0, tzinfo=UTC), 0),  # 23:00 in LA, still the 6th: once
        (datetime(2026, 12, 7, 9, 0, tzinfo=UTC), 0),  # the 7th everywhere
    ]
    enrolled = []
    for moment, _ in runs:
        clock.set(moment)
        enrolled.append(await run_daily(app))
    assert enrolled == [expected for _, expected in runs]
    birthday = await campaign_named(client, "Care: birthday greetings")
    assert birthday["audience"] == 3


async def test_the_year_of_a_greeting_is_the_customers_local_year(
    app: FastAPI, clock: FakeClock
) -> None:
    await deliver_events(
        app,
        created(uid("kiwi"), birth_date=date(1990, 1, 1), time_zone=AUCKLAND),
        created(uid("angeleno"), birth_date=date(1990, 12, 31), time_zone=LOS_ANGELES),
    )
    # 1 Jan 2027 09:00 in Auckland, 31 Dec 2026 12:00 in Los Angeles: two years at once.
    clock.set(datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    assert await run_daily(app) == 2
    clock.set(datetime(2027, 1, 1, 6, 0, tzinfo=UTC))  # 31 Dec 22:00 in Los Angeles
    assert await run_daily(app) == 0
    async with app.state.runtime.unit_of_work() as uow:
        rows = await uow.session.execute(select(CampaignMessage.customer_id, CampaignMessage.step))
        steps = sorted((row.customer_id, row.step) for row in rows)
    assert steps == sorted([(uid("kiwi"), 2027), (uid("angeleno"), 2026)])
    clock.set(datetime(2027, 12, 31, 20, 0, tzinfo=UTC))  # a year on: both again
    assert await run_daily(app) == 2


async def test_a_holiday_is_greeted_on_the_customers_own_date(
    app: FastAPI, clock: FakeClock
) -> None:
    await deliver_events(
        app,
        created(uid("kiwi"), name="Kiri Tester", time_zone=AUCKLAND),
        created(uid("local"), name="Lu Tester"),
    )
    clock.set(datetime(2026, 12, 23, 20, 0, tzinfo=UTC))  # 24 Dec 09:00 in Auckland
    assert await run_daily(app) == 1
    clock.set(datetime(2026, 12, 24, 9, 0, tzinfo=UTC))
    assert await run_daily(app) == 1  # Lu; Kiri once


async def test_a_greeting_keeps_the_customers_own_quiet_hours(
    app: FastAPI, clock: FakeClock
) -> None:
    await deliver_events(
        app,
        created(uid("kiwi"), name="Kiri Tester", birth_date=BIRTHDAY, time_zone=AUCKLAND),
    )
    clock.set(datetime(2026, 12, 5, 20, 0, tzinfo=UTC))  # 09:00 in Auckland
    assert await run_daily(app) == 1
    clock.set(datetime(2026, 12, 5, 22, 0, tzinfo=UTC))  # quiet in UTC, 11:00 in Auckland
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert [m.subject for m in channel.sent] == ["Happy birthday, Kiri!"]

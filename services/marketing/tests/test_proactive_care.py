"""Proactive care from analytics' events: a VIP's owner gets a call task every set days
while the customer stays VIP; a customer whose churn risk rises to high gets a care call
task at once (once per rise) and no promotion for the set days (skipped as care_first),
while care messages still go; erasure and merge forget it all."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from crm_marketing.care.repository import CareRepository
from crm_marketing.sends.sender import Sender
from crm_shared.clock import FakeClock
from crm_shared.contracts.analytics import ChurnLevel, ValueClass
from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.testing import created, erased, merged, outbox_events, uid
from crm_shared.testing.analytics_events import churn_risk_changed, value_class_changed
from crm_shared.timers import get_timer
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    SEGMENT,
    RecordingChannel,
    deliver_events,
    launched,
    members,
    results,
    send_all,
)

DAY = timedelta(days=1)
CALLS = "crm.marketing.call_task.requested.v1"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}


class Channels:
    def __init__(self) -> None:
        self.email = RecordingChannel()
        self.phone = RecordingChannel()

    def sender(self, app: FastAPI) -> Sender:
        runtime = app.state.runtime
        return Sender(
            runtime.unit_of_work,
            runtime.settings,
            {MarketingChannel.EMAIL: self.email, MarketingChannel.PHONE: self.phone},
        )


async def customer(app: FastAPI, name: str) -> str:
    customer_id = uid(name)
    consent = {"email": True, "phone": True}
    await deliver_events(
        app,
        created(customer_id, name=f"{name.title()} Tester", email=f"{name}@example.org",
                phone="+442079460001", consent=consent),
    )  # fmt: skip
    return customer_id


async def calls_for(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (e.payload.customer_id, e.payload.campaign_name) for e in await outbox_events(app, CALLS)
    ]


async def after(app: FastAPI, clock: FakeClock, days: int) -> None:
    clock.advance(days * DAY)
    await app.state.runtime.timers.fire_due()


async def vip_timer(app: FastAPI, customer_id: str) -> Any:
    async with app.state.runtime.unit_of_work() as uow:
        found = await get_timer(uow, "care.vip_call", customer_id)
    return found


async def test_a_vip_gets_a_call_every_ninety_days_until_no_longer_vip(
    app: FastAPI, clock: FakeClock
) -> None:
    ann = await customer(app, "ann")
    channels = Channels()
    await deliver_events(app, value_class_changed(ann, ValueClass.VIP, 1))
    await deliver_events(app, value_class_changed(ann, ValueClass.VIP, 1))  # a redelivery
    await after(app, clock, 89)
    await send_all(channels.sender(app))
    assert await calls_for(app) == []
    await after(app, clock, 1)
    await send_all(channels.sender(app))
    assert await calls_for(app) == [(ann, "Care: VIP's personal call")]
    assert channels.phone.sent[0].address == "+442079460001"
    await after(app, clock, 90)
    await send_all(channels.sender(app))
    assert len(await calls_for(app)) == 2
    await deliver_events(app, value_class_changed(ann, ValueClass.A, 2, previous=ValueClass.VIP))
    await after(app, clock, 90)
    await send_all(channels.sender(app))
    assert len(await calls_for(app)) == 2  # left VIP: no more


async def test_an_older_scoring_run_does_not_end_the_vips_calls(
    app: FastAPI, clock: FakeClock
) -> None:
    ann = await customer(app, "ann")
    await deliver_events(app, value_class_changed(ann, ValueClass.VIP, 3))
    await deliver_events(app, value_class_changed(ann, ValueClass.B, 2))  # late: ignored
    timer = await vip_timer(app, ann)
    assert timer is not None
    assert timer[0].due_at == clock.now() + 90 * DAY


async def test_a_rise_of_churn_risk_brings_a_care_call_first_and_holds_promotions(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    ann, bob = await members(app, "ann", "bob", consent={"email": True, "phone": True},
                             phone="+442079460001")  # fmt: skip
    channels = Channels()
    rise = churn_risk_changed(ann, ChurnLevel.HIGH, 2, previous=ChurnLevel.MEDIUM)
    await deliver_events(app, churn_risk_changed(ann, ChurnLevel.MEDIUM, 1), rise)
    await deliver_events(app, rise)  # a redelivery: once per rise
    await deliver_events(app, churn_risk_changed(bob, ChurnLevel.MEDIUM, 1))
    await send_all(channels.sender(app))
    assert await calls_for(app) == [(ann, "Care: call as churn risk rises")]

    promotion = await launched(client)
    await send_all(channels.sender(app))
    assert [m.address for m in channels.email.sent] == ["bob@example.org"]
    assert (await results(client, promotion["id"]))["suppressed"] == {"care_first": 1}

    await after(app, clock, 14)
    later = await launched(client, name="Later news")
    await send_all(channels.sender(app))
    assert sorted(m.address for m in channels.email.sent[1:]) == [
        "ann@example.org",
        "bob@example.org",
    ]
    assert (await results(client, later["id"]))["suppressed"] == {}


async def test_care_messages_still_reach_a_customer_held_for_care(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    (ann,) = await members(app, "ann", consent={"email": True, "phone": True},
                           phone="+442079460001")  # fmt: skip
    await deliver_events(app, churn_risk_changed(ann, ChurnLevel.HIGH, 1))
    starts_at = (clock.now() + 5 * DAY).isoformat()
    created_event = await client.post(
        "/v1/member-events",
        json={
            "name": "Lecture",
            "starts_at": starts_at,
            "place": "Hall",
            "channel": "email",
            "segment_id": SEGMENT,
            "invitation": {"subject": "Come", "body": "A lecture"},
            "reminder": {"subject": "Soon", "body": "The lecture"},
        },
    )
    assert created_event.status_code == 201, created_event.text
    channels = Channels()
    await send_all(channels.sender(app))
    assert [m.subject for m in channels.email.sent] == ["Come"]


async def test_a_second_rise_brings_a_second_call(app: FastAPI, clock: FakeClock) -> None:
    ann = await customer(app, "ann")
    channels = Channels()
    await deliver_events(app, churn_risk_changed(ann, ChurnLevel.HIGH, 1))
    await send_all(channels.sender(app))
    await after(app, clock, 30)
    await deliver_events(app, churn_risk_changed(ann, ChurnLevel.LOW, 2))
    await deliver_events(app, churn_risk_changed(ann, ChurnLevel.HIGH, 1))  # old: ignored
    await send_all(channels.sender(app))
    assert len(await calls_for(app)) == 1
    await deliver_events(app, churn_risk_changed(ann, ChurnLevel.HIGH, 3))
    await send_all(channels.sender(app))
    assert len(await calls_for(app)) == 2


@pytest.mark.parametrize("how", ["erased", "merged"])
async def test_erasure_and_merge_forget_the_care(app: FastAPI, clock: FakeClock, how: str) -> None:
    ann = await customer(app, "ann")
    await deliver_events(
        app,
        value_class_changed(ann, ValueClass.VIP, 1),
        churn_risk_changed(ann, ChurnLevel.HIGH, 1),
    )
    gone = erased(ann, 2) if how == "erased" else merged(uid("survivor"), ann, 2)
    await deliver_events(app, gone)
    assert await vip_timer(app, ann) is None
    async with app.state.runtime.unit_of_work() as uow:
        assert await CareRepository(uow.session).churn_care(ann) is None

"""Win-back across time on marketing's own fallback timer (a FakeClock and the durable
timers; analytics' ``customer.inactive`` is in ``test_winback_analytics``): an order arms the
check; at 3 months the customer gets the reminder SMS, at 6 the owner's call task, each
decision published with its reason; a new order starts a new spell; the excluded are let go,
with the reason on their timeline; a VIP gets a personal visit."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from crm_shared.clock import FakeClock
from crm_shared.testing import created, outbox_events, uid
from crm_shared.testing.sales_fact_events import order, order_placed
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    RecordingChannel,
    deliver_events,
    send_all,
    sender,
)
from tests.timers import fire_timers

DAY = timedelta(days=1)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The fallback at the start of each stage, as if analytics never published.
    return {"winback_fallback_days": 0}


async def buyer(
    app: FastAPI, clock: FakeClock, name: str, total: str = "200.00", **fields: object
) -> str:
    customer_id = uid(name)
    values = {"phone": "+442079460001", "consent": {"sms": True, "phone": True}, **fields}
    await deliver_events(
        app,
        created(customer_id, **values),
        order_placed(order(f"o-{name}-{clock.now():%j%H%M}", customer_id, total=total,
                           ordered_at=clock.now())),
    )  # fmt: skip
    return customer_id


async def after(app: FastAPI, clock: FakeClock, days: int) -> None:
    clock.advance(days * DAY)
    await fire_timers(app)


async def decisions(app: FastAPI) -> list[tuple[str, str, str]]:
    events = await outbox_events(app, "crm.marketing.winback.decided.v1")
    return [(e.payload.stage, e.payload.action, e.payload.reason) for e in events]


async def test_a_reminder_sms_at_three_months_and_the_owners_call_at_six(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await buyer(app, clock, "ann")
    await after(app, clock, 89)
    assert await decisions(app) == []
    await after(app, clock, 1)
    assert [d[:2] for d in await decisions(app)] == [("reminder", "sms_reminder")]
    texts = RecordingChannel()
    await send_all(sender(app, texts, "sms"))
    assert [m.address for m in texts.sent] == ["+442079460001"]
    assert "missed you" in texts.sent[0].text
    await after(app, clock, 90)
    assert [d[:2] for d in await decisions(app)][-1] == ("follow_up", "owner_call")
    calls = RecordingChannel()
    await send_all(sender(app, calls, "phone"))
    (task,) = await outbox_events(app, "crm.marketing.call_task.requested.v1")
    assert task.payload.customer_id == uid("ann")
    steps = [e.payload.step for e in await outbox_events(app, "crm.marketing.message.sent.v1")]
    assert steps == [1, 2]  # the stages (the spell stays inside marketing)
    listed = {c["name"]: c for c in (await client.get("/v1/campaigns")).json()["items"]}
    assert listed["Win-back: reminder"]["audience"] == 1
    assert listed["Win-back: reminder"]["status"] == "running"


async def test_a_new_order_starts_a_new_spell(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    customer_id = await buyer(app, clock, "bob")
    await after(app, clock, 60)
    await deliver_events(
        app, order_placed(order("o-bob-2", customer_id, total="50.00", ordered_at=clock.now()))
    )
    await after(app, clock, 80)  # 140 days after the first order, 80 after the second
    assert await decisions(app) == []
    await after(app, clock, 10)
    assert [d[:2] for d in await decisions(app)] == [("reminder", "sms_reminder")]


async def test_the_excluded_are_let_go_with_the_reason(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await buyer(app, clock, "cy", credit_grade="E")
    await buyer(app, clock, "dee", total="9.00")  # worth less a year than the owner's call
    await after(app, clock, 90)
    await after(app, clock, 90)
    found = await decisions(app)
    assert ("reminder", "let_go", "credit grade E") in found
    assert ("follow_up", "let_go", "worth 9.00 EUR a year, owner call costs 15.00 EUR") in found
    assert ("reminder", "sms_reminder") in [d[:2] for d in found]  # dee: a text is cheap


async def test_a_vip_gets_a_personal_visit_instead(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await buyer(app, clock, "eve", tags=["vip"])
    await after(app, clock, 90)
    assert [d[:2] for d in await decisions(app)] == [("reminder", "vip_visit")]
    calls = RecordingChannel()
    await send_all(sender(app, calls, "phone"))
    (task,) = await outbox_events(app, "crm.marketing.call_task.requested.v1")
    assert task.payload.title == "Call: Win-back: VIP visit"

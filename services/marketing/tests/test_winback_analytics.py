"""Win-back driven by analytics' ``customer.inactive``: the stage from ``days_inactive``, each
stage's action, the exclusions, a VIP's visit, the CLV prediction as the expected value (a
customer worth less than the action costs is let go); a replayed or stale event decides
nothing; marketing's fallback timer and analytics' event never decide (or send) a stage twice,
whichever comes first."""

from datetime import timedelta

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import created, outbox_events, uid
from crm_shared.testing.analytics_events import inactive
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
PHONE = "+442079460001"


async def buyer(
    app: FastAPI, clock: FakeClock, name: str, total: str = "200.00", **fields: object
) -> str:
    customer_id = uid(name)
    values = {"phone": PHONE, "consent": {"sms": True, "phone": True}, **fields}
    await deliver_events(
        app,
        created(customer_id, **values),
        order_placed(order(f"o-{name}", customer_id, total=total, ordered_at=clock.now())),
    )
    return customer_id


async def decisions(app: FastAPI) -> list[tuple[str, str, str]]:
    events = await outbox_events(app, "crm.marketing.winback.decided.v1")
    return [(e.payload.stage, e.payload.action, e.payload.reason) for e in events]


async def texts_sent(app: FastAPI) -> list[str]:
    texts = RecordingChannel()
    await send_all(sender(app, texts, "sms"))
    return [m.address for m in texts.sent]


async def fire(app: FastAPI, clock: FakeClock, days: int) -> None:
    clock.advance(days * DAY)
    await fire_timers(app)


async def test_each_stage_on_analytics_event_with_its_action(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    start = clock.now()
    customer_id = await buyer(app, clock, "ann")
    await fire(app, clock, 90)  # the fallback waits a few more days
    assert await decisions(app) == []
    await deliver_events(app, inactive(customer_id, start, 90, expected_value="80.00"))
    assert await decisions(app) == [
        ("reminder", "sms_reminder", "reminder: worth 80.00 EUR over the next 12 months (CLV)")
    ]
    assert await texts_sent(app) == [PHONE]
    await deliver_events(app, inactive(customer_id, start, 180, expected_value="80.00"))
    await deliver_events(app, inactive(customer_id, start, 365, expected_value="80.00"))
    assert [d[:2] for d in await decisions(app)] == [
        ("reminder", "sms_reminder"),
        ("follow_up", "owner_call"),
        ("recall", "recall_offer"),
    ]
    await fire(app, clock, 400)  # the fallback finds every stage decided
    assert len(await decisions(app)) == 3


async def test_a_replayed_or_stale_event_decides_nothing(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    start = clock.now()
    customer_id = await buyer(app, clock, "bob")
    event = inactive(customer_id, start, 200)
    await deliver_events(app, event)
    await deliver_events(app, event)
    await deliver_events(app, inactive(customer_id, start, 100))  # late: an earlier stage
    assert [d[:2] for d in await decisions(app)] == [("follow_up", "owner_call")]
    # A new purchase: an event about the spell it ended is stale.
    clock.advance(210 * DAY)
    await deliver_events(
        app, order_placed(order("o-bob-2", customer_id, total="50.00", ordered_at=clock.now()))
    )
    await deliver_events(app, inactive(customer_id, start, 210))
    assert len(await decisions(app)) == 1
    await deliver_events(app, inactive(customer_id, clock.now(), 90))  # the new spell
    assert [d[:2] for d in await decisions(app)][-1] == ("reminder", "sms_reminder")


async def test_the_fallback_timer_then_the_event_send_one_text(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    start = clock.now()
    customer_id = await buyer(app, clock, "cy")
    await fire(app, clock, 93)  # analytics was down: marketing's timer decides
    assert [d[:2] for d in await decisions(app)] == [("reminder", "sms_reminder")]
    await deliver_events(app, inactive(customer_id, start, 94, expected_value="500.00"))
    assert len(await decisions(app)) == 1
    assert await texts_sent(app) == [PHONE]


async def test_the_event_then_the_fallback_timer_send_one_text(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    start = clock.now()
    customer_id = await buyer(app, clock, "dee")
    await fire(app, clock, 90)
    await deliver_events(app, inactive(customer_id, start, 90))
    await fire(app, clock, 5)
    assert [d[:2] for d in await decisions(app)] == [("reminder", "sms_reminder")]
    assert await texts_sent(app) == [PHONE]
    await fire(app, clock, 90)  # the fallback still decides a stage analytics missed
    assert [d[:2] for d in await decisions(app)][-1] == ("follow_up", "owner_call")


async def test_the_excluded_and_the_not_worth_it_are_let_go_a_vip_is_visited(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    start = clock.now()
    graded = await buyer(app, clock, "eve", credit_grade="E")
    arrears = await buyer(app, clock, "fay", tags=["malicious-arrears"])
    vip = await buyer(app, clock, "gus", tags=["vip"])
    cheap = await buyer(app, clock, "hal", total="900.00")
    dear = await buyer(app, clock, "ida", total="5.00")
    await deliver_events(
        app,
        inactive(graded, start, 95, expected_value="900.00"),
        inactive(arrears, start, 95),
        inactive(vip, start, 95, expected_value="1.00"),
        # Analytics' prediction decides, not the spend marketing saw.
        inactive(cheap, start, 190, expected_value="10.00"),
        inactive(dear, start, 190, expected_value="40.00"),
    )
    found = {e.payload.customer_id: e.payload for e in await outbox_events(
        app, "crm.marketing.winback.decided.v1")}  # fmt: skip
    assert (found[graded].action, found[graded].reason) == ("let_go", "credit grade E")
    assert (found[arrears].action, found[arrears].reason) == ("let_go", "tagged malicious-arrears")
    assert found[vip].action == "vip_visit"
    assert (found[cheap].action, found[cheap].reason) == (
        "let_go",
        "worth 10.00 EUR over the next 12 months (CLV), owner call costs 15.00 EUR",
    )
    assert found[dear].action == "owner_call"
    assert found[cheap].days_inactive == 190


async def test_a_buyer_marketing_never_saw_and_another_currency(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    customer_id = uid("jo")
    await deliver_events(
        app, created(customer_id, phone=PHONE, consent={"sms": True, "phone": True})
    )
    last = clock.now() - 100 * DAY
    await deliver_events(app, inactive(customer_id, last, 100, expected_value="3.00"))
    assert [d[:2] for d in await decisions(app)] == [("reminder", "sms_reminder")]
    assert await texts_sent(app) == [PHONE]
    other = uid("kim")
    await deliver_events(app, created(other, phone=PHONE, consent={"sms": True}))
    # No rate for USD: the spend marketing saw (none) decides.
    await deliver_events(app, inactive(other, last, 100, expected_value="99.00", currency="USD"))
    assert (await decisions(app))[-1] == (
        "reminder",
        "let_go",
        "worth 0.00 EUR a year, sms reminder costs 0.10 EUR",
    )

"""The sender: each consenting member gets the message once, every skip is counted with its
reason, quiet hours wait, the frequency cap holds across campaigns, a restart in the middle
of a send resends nothing, a channel that did not take a message gets it again later."""

from datetime import timedelta

import httpx
from crm_marketing.channels.base import Outcome
from crm_shared.clock import FakeClock
from crm_shared.testing import erased, outbox_events, uid
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    RecordingChannel,
    act,
    deliver_events,
    launched,
    members,
    results,
    send_all,
    sender,
)


async def test_only_consenting_members_get_it_once_with_their_name_and_links(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", "bob")
    await members(app, "cy", consent={"email": False})
    await members(app, "dee", email=None)
    await members(app, "eve")
    campaign = await launched(client)
    # Erased after the launch: her message is never sent (before it, she leaves the audience).
    await deliver_events(app, erased(uid("eve"), 2))
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    await send_all(sender(app, channel))  # nothing twice
    assert sorted(m.address for m in channel.sent) == ["ann@example.org", "bob@example.org"]
    ann = next(m for m in channel.sent if m.address == "ann@example.org")
    assert ann.subject == "Hello Ann"
    assert "Dear Ann" in ann.text
    assert "https://shop.example.org/spring" not in ann.text  # tracked
    assert "/v1/t/" in ann.text
    assert "/v1/unsubscribe/" in ann.text
    assert ann.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ann.headers["List-Unsubscribe"].startswith("<http")
    figures = await results(client, campaign["id"])
    assert figures["audience"] == 5
    assert (figures["sent"], figures["delivered"], figures["pending"]) == (2, 2, 0)
    assert figures["suppressed"] == {"erased": 1, "no_address": 1, "no_consent": 1}
    status = (await client.get(f"/v1/campaigns/{campaign['id']}")).json()["status"]
    assert status == "completed"
    sent = await outbox_events(app, "crm.marketing.message.sent.v1")
    assert {e.payload.customer_id for e in sent} == {uid("ann"), uid("bob")}
    assert len(await outbox_events(app, "crm.marketing.message.delivered.v1")) == 2


async def test_a_bounce_is_recorded_with_the_server_answer(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", "bob")
    campaign = await launched(client)
    await send_all(sender(app, RecordingChannel({"bob@example.org": Outcome.BOUNCED})))
    figures = await results(client, campaign["id"])
    assert (figures["sent"], figures["delivered"], figures["bounced"]) == (2, 1, 1)
    bounced = await outbox_events(app, "crm.marketing.message.bounced.v1")
    assert [(e.payload.customer_id, e.payload.permanent) for e in bounced] == [(uid("bob"), True)]
    assert "550" in bounced[0].payload.reason


async def test_a_restart_in_the_middle_of_a_send_resends_nothing(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann", "bob")
    campaign = await launched(client)
    runtime = app.state.runtime
    # The sender claimed both and died before hearing the channel's answer.
    crashed = sender(app, RecordingChannel())
    claimed, _ = await crashed._claim(campaign["id"])
    assert claimed is not None
    assert len(claimed.outgoing) == 2
    restarted = RecordingChannel()
    await send_all(sender(app, restarted))
    assert restarted.sent == []  # still within the claim's lease: not taken again
    clock.advance(timedelta(seconds=runtime.settings.send_claim_lease_seconds + 1))
    await send_all(sender(app, restarted))
    assert restarted.sent == []
    figures = await results(client, campaign["id"])
    assert (figures["unknown"], figures["sent"], figures["pending"]) == (2, 0, 0)


async def test_a_message_the_channel_did_not_take_goes_later(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann")
    campaign = await launched(client)
    down = RecordingChannel({"ann@example.org": Outcome.NOT_SENT})
    await send_all(sender(app, down))
    assert (await results(client, campaign["id"]))["pending"] == 1
    clock.advance(timedelta(minutes=app.state.runtime.settings.send_retry_minutes))
    up = RecordingChannel()
    await send_all(sender(app, up))
    assert [m.address for m in up.sent] == ["ann@example.org"]


async def test_quiet_hours_hold_a_message_until_morning(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann")
    clock.advance(timedelta(hours=10))  # 22:00 UTC
    campaign = await launched(client)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert channel.sent == []
    assert (await results(client, campaign["id"]))["pending"] == 1
    clock.advance(timedelta(hours=10))  # 08:00 UTC
    await send_all(sender(app, channel))
    assert len(channel.sent) == 1


async def test_the_frequency_cap_holds_across_campaigns(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann")
    cap = app.state.runtime.settings.frequency_cap
    channel = RecordingChannel()
    for n in range(cap + 1):
        clock.advance(timedelta(seconds=1))
        await launched(client, name=f"Campaign {n}")
        await send_all(sender(app, channel))
    assert len(channel.sent) == cap
    listed = (await client.get("/v1/campaigns")).json()["items"]
    last = await results(client, listed[-1]["id"])
    assert last["suppressed"] == {"frequency_cap": 1}


async def test_a_paused_campaign_sends_nothing_and_a_stopped_one_closes_its_queue(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", "bob")
    campaign = await launched(client)
    await act(client, campaign["id"], "pause")
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert channel.sent == []
    await act(client, campaign["id"], "stop")
    await send_all(sender(app, channel))
    assert channel.sent == []
    assert (await results(client, campaign["id"]))["suppressed"] == {"campaign_ended": 2}


async def test_a_template_that_fails_for_one_customer_skips_only_them(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann")
    await members(app, "bob", name="Bob")
    body = "{{ 10 / (name | length - 3) }}"  # divides by zero for a three-letter name
    campaign = await launched(client, message={"subject": "Hi", "body": body})
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert [m.address for m in channel.sent] == ["ann@example.org"]
    assert (await results(client, campaign["id"]))["suppressed"] == {"template_error": 1}


async def test_an_sms_campaign_goes_to_the_phone_of_those_who_opted_into_sms(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", phone="+442079460001", consent={"sms": True})
    await members(app, "bob", phone="+442079460002")  # e-mail consent only
    campaign = await launched(
        client, channel="sms", message={"body": "Hi {{ first_name }}: 20% off today"}
    )
    channel = RecordingChannel()
    await send_all(sender(app, channel, "sms"))
    assert [(m.address, m.text, m.subject) for m in channel.sent] == [
        ("+442079460001", "Hi Ann: 20% off today", None)
    ]
    assert (await results(client, campaign["id"]))["suppressed"] == {"no_consent": 1}


async def test_a_phone_campaign_hands_a_call_task_per_consenting_member_to_sales(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", phone="+442079460001", consent={"phone": True})
    await members(app, "bob", phone="+442079460002")
    late = app.state.runtime.settings.quiet_hours_start  # calls keep no quiet hours
    assert late is not None
    campaign = await launched(
        client,
        name="Check-up calls",
        channel="phone",
        message={"body": "Ask {{ first_name }} how the new pump works"},
    )
    channel = RecordingChannel()
    await send_all(sender(app, channel, "phone"))
    (task,) = await outbox_events(app, "crm.marketing.call_task.requested.v1")
    assert task.payload.customer_id == uid("ann")
    assert task.payload.title == "Call: Check-up calls"
    assert task.payload.script == "Ask Ann how the new pump works"
    assert task.payload.task_id == channel.sent[0].message_id
    figures = await results(client, campaign["id"])
    assert (figures["sent"], figures["suppressed"]) == (1, {"no_consent": 1})

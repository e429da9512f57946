"""Member events (club events, lectures) over HTTP: the invitations go to the segment's
consenting members as the event's campaign starts, the reminder at ``starts_at - lead`` (a
durable timer on the FakeClock) to those invited, each once; a cancellation tells those
invited and the reminder never goes; reading needs campaigns:read, planning campaigns:write."""

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from crm_marketing.channels.base import OutgoingMessage
from crm_shared.clock import FakeClock
from crm_shared.testing import app_client, assert_problem, created, uid
from crm_shared.testing.analytics_events import joined
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    SEGMENT,
    RecordingChannel,
    deliver_events,
    members,
    results,
    send_all,
    sender,
)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def event_body(clock: FakeClock, **fields: Any) -> dict[str, Any]:
    return {
        "name": "Wine club evening",
        "starts_at": iso(clock.now() + timedelta(days=5)),
        "place": "The cellar",
        "channel": "email",
        "segment_id": SEGMENT,
        "reminder_lead_hours": 48,
        "invitation": {"subject": "You are invited, {{ first_name }}", "body": "Join us."},
        "reminder": {"subject": "Soon: {{ campaign }}", "body": "See you there."},
        **fields,
    }


async def plan(client: httpx.AsyncClient, clock: FakeClock, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/member-events", json=event_body(clock, **fields))
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/member-events/{response.json()['id']}"
    body: dict[str, Any] = response.json()
    return body


async def fire(app: FastAPI, clock: FakeClock, until: datetime) -> None:
    clock.set(until)
    await app.state.runtime.timers.fire_due()


def subjects(sent: list[OutgoingMessage]) -> list[tuple[str, str | None]]:
    return sorted((m.address, m.subject) for m in sent)


async def test_invitations_then_the_reminder_to_those_invited_each_once(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann", "cy")
    await members(app, "bob", consent={"email": False})
    event = await plan(client, clock)
    assert event["status"] == "scheduled"
    starts_at = datetime.fromisoformat(event["starts_at"])
    assert datetime.fromisoformat(event["reminder_at"]) == starts_at - timedelta(hours=48)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert subjects(channel.sent) == [
        ("ann@example.org", "You are invited, Ann"),
        ("cy@example.org", "You are invited, Cy"),
    ]
    figures = await results(client, event["campaign_id"])
    assert figures["suppressed"] == {"no_consent": 1}

    await fire(app, clock, starts_at - timedelta(hours=49))
    await send_all(sender(app, channel))
    assert len(channel.sent) == 2  # not yet
    await fire(app, clock, starts_at - timedelta(hours=48))
    await send_all(sender(app, channel))
    reminders = subjects(channel.sent[2:])
    assert reminders == [
        ("ann@example.org", "Soon: Wine club evening"),
        ("cy@example.org", "Soon: Wine club evening"),
    ]
    await app.state.runtime.timers.fire_due()
    await send_all(sender(app, channel))
    assert len(channel.sent) == 4  # each step once
    campaign = (await client.get(f"/v1/campaigns/{event['campaign_id']}")).json()
    assert campaign["status"] == "running"  # until the event starts (newcomers invited)
    await fire(app, clock, starts_at)
    await send_all(sender(app, channel))
    campaign = (await client.get(f"/v1/campaigns/{event['campaign_id']}")).json()
    assert campaign["status"] == "completed"


async def test_a_newcomer_to_the_segment_is_invited_too(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann")
    await plan(client, clock)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    dan = uid("dan")
    await deliver_events(
        app, created(dan, name="Dan Tester", email="dan@example.org"), joined(SEGMENT, dan)
    )
    await send_all(sender(app, channel))
    assert [m.address for m in channel.sent] == ["ann@example.org", "dan@example.org"]


async def test_invitations_wait_for_invite_at(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann")
    invite_at = clock.now() + timedelta(days=1)
    event = await plan(client, clock, invite_at=iso(invite_at))
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert channel.sent == []
    await fire(app, clock, invite_at)
    await send_all(sender(app, channel))
    assert subjects(channel.sent) == [("ann@example.org", "You are invited, Ann")]
    assert (await client.get(f"/v1/member-events/{event['id']}")).json()["invite_at"]


async def test_a_cancellation_tells_those_invited_and_no_reminder_goes(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann", "cy")
    event = await plan(client, clock)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    url = f"/v1/member-events/{event['id']}"
    read = await client.get(url)
    assert_problem(await client.post(f"{url}/cancel"), 428)
    cancelled = await client.post(f"{url}/cancel", headers={"If-Match": read.headers["ETag"]})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation"]["subject"] == "Cancelled: {{ campaign }}"
    await send_all(sender(app, channel))
    assert subjects(channel.sent[2:]) == [
        ("ann@example.org", "Cancelled: Wine club evening"),
        ("cy@example.org", "Cancelled: Wine club evening"),
    ]
    await fire(app, clock, datetime.fromisoformat(event["reminder_at"]))
    await send_all(sender(app, channel))
    assert len(channel.sent) == 4  # no reminder
    campaign = (await client.get(f"/v1/campaigns/{event['campaign_id']}")).json()
    assert campaign["status"] == "completed"
    again = await client.post(f"{url}/cancel", headers={"If-Match": "*"})
    assert_problem(again, 409, contains="cancelled already")


async def test_cancelling_before_the_invitations_went_tells_no_one(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann")
    invite_at = clock.now() + timedelta(days=1)
    event = await plan(client, clock, invite_at=iso(invite_at))
    message = {"message": {"subject": "Off", "body": "The evening is off."}}
    cancelled = await client.post(
        f"/v1/member-events/{event['id']}/cancel", json=message, headers={"If-Match": "*"}
    )
    assert cancelled.json()["cancellation"]["subject"] == "Off"
    await fire(app, clock, invite_at)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert channel.sent == []
    campaign = (await client.get(f"/v1/campaigns/{event['campaign_id']}")).json()
    assert campaign["status"] == "stopped"


async def test_fields_that_contradict_each_other_are_refused(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    no_subject = event_body(clock, invitation={"body": "Join us."})
    refused = assert_problem(await client.post("/v1/member-events", json=no_subject), 422)
    assert refused["type"].endswith("/member-event-inconsistent")
    past = event_body(clock, starts_at=iso(clock.now() - timedelta(hours=1)))
    assert_problem(await client.post("/v1/member-events", json=past), 422, contains="ahead")
    late = event_body(clock, reminder_lead_hours=24 * 6)
    assert_problem(await client.post("/v1/member-events", json=late), 422, contains="reminder")
    bad = event_body(clock, reminder={"subject": "x", "body": "{{ broken"})
    assert_problem(await client.post("/v1/member-events", json=bad), 422)
    assert (await client.get("/v1/member-events")).json()["items"] == []


async def test_the_list_is_soonest_first(client: httpx.AsyncClient, clock: FakeClock) -> None:
    later = await plan(client, clock, name="Lecture")
    sooner = await plan(client, clock, starts_at=iso(clock.now() + timedelta(days=3)))
    page = (await client.get("/v1/member-events", params={"limit": 1, "total": "true"})).json()
    assert [item["id"] for item in page["items"]] == [sooner["id"]]
    assert page["total"] == 2
    rest = (await client.get("/v1/member-events", params={"cursor": page["next_cursor"]})).json()
    assert [item["id"] for item in rest["items"]] == [later["id"]]
    assert_problem(await client.get(f"/v1/member-events/{uid('nothing')}"), 404)


async def test_reading_needs_campaigns_read_and_planning_campaigns_write(
    app: FastAPI, clock: FakeClock
) -> None:
    async with app_client(app, "http://marketing", role="agent") as agent:
        assert_problem(await agent.get("/v1/member-events"), 403)
        assert_problem(await agent.post("/v1/member-events", json=event_body(clock)), 403)
    async with app_client(app, "http://marketing", role="analyst") as analyst:
        assert (await analyst.get("/v1/member-events")).status_code == 200
        assert_problem(await analyst.post("/v1/member-events", json=event_body(clock)), 403)
        assert_problem(await analyst.post(f"/v1/member-events/{uid('x')}/cancel",
                                          headers={"If-Match": "*"}), 403)  # fmt: skip

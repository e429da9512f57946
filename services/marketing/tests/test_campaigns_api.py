"""/v1/campaigns over HTTP: plan (templates checked), read, change (a launched campaign: its
plan only), launch (the audience snapshotted), pause, resume, stop, with If-Match."""

from datetime import timedelta

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import assert_problem, uid
from crm_shared.testing.analytics_events import joined
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    NOON,
    SEGMENT,
    act,
    campaign_body,
    create_campaign,
    deliver_events,
    launched,
    members,
)


async def test_a_new_campaign_is_a_draft_with_its_plan(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/campaigns",
        json=campaign_body(objective="Spring sales", budget="500.00", cost_per_message="0.02"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft"
    assert body["currency"] == "EUR"
    assert body["budget"] == "500.00"
    assert body["message"]["subject"].startswith("Hello")
    assert response.headers["Location"] == f"/v1/campaigns/{body['id']}"
    read = await client.get(f"/v1/campaigns/{body['id']}")
    assert read.json() == body
    assert read.headers["ETag"] == response.headers["ETag"]


async def test_bad_plans_are_refused_with_their_field(client: httpx.AsyncClient) -> None:
    broken = campaign_body(message={"subject": "Hi", "body": "Dear {{ first_name "})
    problem = assert_problem(await client.post("/v1/campaigns", json=broken), 422)
    assert "message.body" in str(problem)
    no_subject = campaign_body(message={"body": "Hi"})
    assert_problem(await client.post("/v1/campaigns", json=no_subject), 422, contains="subject")
    sms_html = campaign_body(channel="sms", message={"body": "Hi", "html": "<p>Hi</p>"})
    assert_problem(await client.post("/v1/campaigns", json=sms_html), 422, contains="html")
    backwards = campaign_body(
        starts_at=NOON.isoformat(), ends_at=(NOON - timedelta(days=1)).isoformat()
    )
    assert_problem(await client.post("/v1/campaigns", json=backwards), 422, contains="ends_at")
    unknown = {**campaign_body(), "colour": "red"}
    assert_problem(await client.post("/v1/campaigns", json=unknown), 422)


async def test_launch_enrols_the_segment_members_at_that_moment(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", "bob")
    await members(app, "cy", segment=uid("other-seg"))
    campaign = await launched(client)
    assert (campaign["status"], campaign["audience"]) == ("running", 2)
    # A later member of a snapshotted audience is not enrolled.
    await members(app, "dee")
    again = await client.get(f"/v1/campaigns/{campaign['id']}")
    assert again.json()["audience"] == 2


async def test_a_live_audience_enrols_who_joins_while_it_runs(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann")
    campaign = await launched(client, live_audience=True)
    await members(app, "bob")
    await deliver_events(app, joined(SEGMENT, uid("bob"), 1))  # a replay: still once
    read = await client.get(f"/v1/campaigns/{campaign['id']}")
    assert read.json()["audience"] == 2


async def test_launch_waits_for_a_start_ahead(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann")
    start = NOON + timedelta(days=1)
    campaign = await launched(client, starts_at=start.isoformat())
    assert (campaign["status"], campaign["audience"]) == ("scheduled", 0)
    clock.advance(timedelta(days=1))
    await app.state.runtime.timers.fire_due()
    read = await client.get(f"/v1/campaigns/{campaign['id']}")
    assert (read.json()["status"], read.json()["audience"]) == ("running", 1)


async def test_pause_resume_stop_and_what_each_state_allows(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann")
    campaign = await launched(client)
    cid = campaign["id"]
    assert (await act(client, cid, "pause")).json()["status"] == "paused"
    assert_problem(await act(client, cid, "pause"), 409, contains="paused")
    assert (await act(client, cid, "resume")).json()["status"] == "running"
    current = await client.get(f"/v1/campaigns/{cid}")
    etag = {"If-Match": current.headers["ETag"]}
    message = {"message": {"subject": "New", "body": "New"}}
    refused = await client.patch(f"/v1/campaigns/{cid}", json=message, headers=etag)
    assert_problem(refused, 409, contains="message")
    renamed = await client.patch(f"/v1/campaigns/{cid}", json={"name": "Renamed"}, headers=etag)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Renamed"
    stopped = await act(client, cid, "stop")
    assert stopped.json()["status"] == "stopped"
    assert stopped.json()["finished_at"] is not None
    assert_problem(await act(client, cid, "resume"), 409)


async def test_changes_need_the_current_version(client: httpx.AsyncClient) -> None:
    campaign = await create_campaign(client)
    stale = {"If-Match": '"0"'}
    response = await client.patch(
        f"/v1/campaigns/{campaign['id']}", json={"name": "X"}, headers=stale
    )
    assert response.status_code == 412, response.text
    missing = await client.post(f"/v1/campaigns/{campaign['id']}/launch")
    assert missing.status_code == 428, missing.text


async def test_the_list_pages_by_creation_and_filters_by_status(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann")
    first = await create_campaign(client, name="First")
    clock.advance(timedelta(seconds=1))
    await create_campaign(client, name="Second")
    await act(client, first["id"], "launch")
    page = await client.get("/v1/campaigns", params={"limit": 1, "total": "true"})
    assert page.json()["total"] == 2
    assert [c["name"] for c in page.json()["items"]] == ["First"]
    following = await client.get(
        "/v1/campaigns", params={"limit": 1, "cursor": page.json()["next_cursor"]}
    )
    assert [c["name"] for c in following.json()["items"]] == ["Second"]
    running = await client.get("/v1/campaigns", params={"status": "running"})
    assert [c["name"] for c in running.json()["items"]] == ["First"]


async def test_a_letter_campaign_launches_and_has_no_subject(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann")
    response = await client.post(
        "/v1/campaigns",
        json=campaign_body(channel="mail", message={"subject": "Hi", "body": "Dear {{ name }}"}),
    )
    assert_problem(response, 422, contains="a letter has no subject")
    campaign = await create_campaign(client, channel="mail", message={"body": "Dear {{ name }}"})
    assert (await act(client, campaign["id"], "launch")).status_code == 202

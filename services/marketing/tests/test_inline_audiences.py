"""Campaigns with an inline audience: planned with a filter instead of a saved segment
(analytics is asked to save and evaluate it), refused with neither or both, launched before
the audience has arrived (scheduled, waiting), and started once ``segment.evaluated`` and
every join of that evaluation have arrived, in either order, with exactly those members."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from crm_shared.clock import FakeClock
from crm_shared.testing import assert_problem, created, outbox_events, uid
from crm_shared.testing.analytics_events import evaluated, joined
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    NOON,
    SEGMENT,
    RecordingChannel,
    act,
    campaign_body,
    deliver_events,
    members,
    results,
    send_all,
    sender,
)

CONSENTING = {"field": "consent", "op": "contains", "value": "email"}
EVALUATION = str(uuid.uuid4())


def inline_body(audience: Any = CONSENTING, **fields: Any) -> dict[str, Any]:
    body = campaign_body(audience=audience, **fields)
    del body["segment_id"]
    return body


async def planned(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/campaigns", json=inline_body(**fields))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def customers(app: FastAPI, *names: str) -> list[str]:
    ids = [uid(name) for name in names]
    events = [
        created(customer_id, email=f"{name}@example.org", name=f"{name.title()} Tester")
        for name, customer_id in zip(names, ids, strict=True)
    ]
    await deliver_events(app, *events)
    return ids


async def read(client: httpx.AsyncClient, campaign_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/v1/campaigns/{campaign_id}")).json()
    return body


async def test_an_inline_audience_is_requested_from_analytics(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    campaign = await planned(client)
    assert campaign["status"] == "draft"
    assert campaign["audience_filter"] == CONSENTING
    assert campaign["audience_ready"] is False
    segment_id = campaign["segment_id"]
    assert str(uuid.UUID(segment_id)) == segment_id

    requests = await outbox_events(app, "audience.requested")
    assert len(requests) == 1
    request = requests[0]
    assert request.key == segment_id
    assert request.envelope.data["filter"] == CONSENTING
    assert (request.payload.campaign_id, request.payload.segment_id) == (
        campaign["id"],
        segment_id,
    )
    assert request.payload.name == "Spring news"


async def test_the_audience_is_a_segment_or_a_filter_exactly(client: httpx.AsyncClient) -> None:
    both = campaign_body(audience=CONSENTING)
    assert_problem(await client.post("/v1/campaigns", json=both), 422, contains="not both")
    neither = inline_body()
    del neither["audience"]
    assert_problem(await client.post("/v1/campaigns", json=neither), 422, contains="segment_id")
    null = {**inline_body(), "segment_id": None}
    assert_problem(await client.post("/v1/campaigns", json=null), 422)


async def test_an_invalid_filter_is_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    wrong_op = inline_body({"all": [{"field": "tags", "op": "gte", "value": 3}]})
    problem = assert_problem(await client.post("/v1/campaigns", json=wrong_op), 422)
    assert "audience" in str(problem)
    assert "contains, exists" in str(problem)
    unknown = inline_body({"field": "shoe_size", "op": "eq", "value": "9"})
    problem = assert_problem(await client.post("/v1/campaigns", json=unknown), 422)
    assert "shoe_size" in str(problem)


@pytest.mark.parametrize("evaluated_first", [True, False], ids=["evaluated-first", "last"])
async def test_a_launch_waits_for_the_audience_then_reaches_exactly_its_members(
    app: FastAPI, client: httpx.AsyncClient, evaluated_first: bool
) -> None:
    ann, bob, cy = await customers(app, "ann", "bob", "cy")
    campaign = await planned(client)
    segment_id = campaign["segment_id"]
    launched = await act(client, campaign["id"], "launch")
    assert launched.status_code == 202, launched.text
    assert (launched.json()["status"], launched.json()["audience"]) == ("scheduled", 0)

    done = evaluated(segment_id, EVALUATION, 2)
    joins = [joined(segment_id, c, evaluation_id=EVALUATION) for c in (ann, bob)]
    # A member of another segment, and a later join of this one: neither is counted.
    await deliver_events(app, joined(uid("other-segment"), cy, evaluation_id=EVALUATION))
    if evaluated_first:
        await deliver_events(app, done)
    await deliver_events(app, joins[0])
    assert (await read(client, campaign["id"]))["status"] == "scheduled"
    if evaluated_first:
        await deliver_events(app, joins[1])
    else:
        await deliver_events(app, joins[1])
        assert (await read(client, campaign["id"]))["status"] == "scheduled"
        await deliver_events(app, done)

    started = await read(client, campaign["id"])
    assert (started["status"], started["audience"], started["audience_ready"]) == (
        "running",
        2,
        True,
    )
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert sorted(message.address for message in channel.sent) == [
        "ann@example.org",
        "bob@example.org",
    ]
    assert (await results(client, campaign["id"]))["audience"] == 2


async def test_joins_without_the_evaluation_do_not_make_it_ready(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ann, bob = await customers(app, "ann", "bob")
    campaign = await planned(client)
    segment_id = campaign["segment_id"]
    await act(client, campaign["id"], "launch")
    await deliver_events(app, evaluated(segment_id, EVALUATION, 1), joined(segment_id, bob))
    assert (await read(client, campaign["id"]))["status"] == "scheduled"
    await deliver_events(app, joined(segment_id, ann, evaluation_id=EVALUATION))
    started = await read(client, campaign["id"])
    assert (started["status"], started["audience"]) == ("running", 2)


async def test_an_audience_that_arrives_before_the_launch_starts_it_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    (ann,) = await customers(app, "ann")
    response = await client.post("/v1/campaigns", json=inline_body())
    campaign = response.json()
    segment_id = campaign["segment_id"]
    await deliver_events(
        app,
        joined(segment_id, ann, evaluation_id=EVALUATION),
        evaluated(segment_id, EVALUATION, 1),
    )
    assert (await read(client, campaign["id"]))["audience_ready"] is True
    # The arrival is no new version: the draft's ETag still launches it.
    launched = await client.post(
        f"/v1/campaigns/{campaign['id']}/launch", headers={"If-Match": response.headers["ETag"]}
    )
    assert launched.status_code == 202, launched.text
    assert (launched.json()["status"], launched.json()["audience"]) == ("running", 1)


async def test_a_start_ahead_and_an_audience_both_wait(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    (ann,) = await customers(app, "ann")
    campaign = await planned(client, starts_at=(NOON + timedelta(days=1)).isoformat())
    segment_id = campaign["segment_id"]
    await act(client, campaign["id"], "launch")
    clock.advance(timedelta(days=1))
    await app.state.runtime.timers.fire_due()
    assert (await read(client, campaign["id"]))["status"] == "scheduled"  # no audience yet
    await deliver_events(
        app,
        evaluated(segment_id, EVALUATION, 1),
        joined(segment_id, ann, evaluation_id=EVALUATION),
    )
    started = await read(client, campaign["id"])
    assert (started["status"], started["audience"]) == ("running", 1)


async def test_an_audience_analytics_could_not_evaluate_says_why(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    campaign = await planned(client, audience={"field": "age_band", "op": "eq", "value": "30-33"})
    await act(client, campaign["id"], "launch")
    problem = "age_band '30-33' is not a band"
    await deliver_events(app, evaluated(campaign["segment_id"], EVALUATION, 0, problem=problem))
    finished = await read(client, campaign["id"])
    assert finished["audience_ready"] is True
    assert finished["audience_problem"] == problem
    assert finished["audience"] == 0


async def test_a_draft_given_a_saved_segment_drops_its_inline_audience(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann")
    campaign = await planned(client)
    current = await client.get(f"/v1/campaigns/{campaign['id']}")
    changed = await client.patch(
        f"/v1/campaigns/{campaign['id']}",
        json={"segment_id": SEGMENT},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["segment_id"], body["audience_filter"], body["audience_ready"]) == (
        SEGMENT,
        None,
        True,
    )
    launched = await act(client, campaign["id"], "launch")
    assert (launched.json()["status"], launched.json()["audience"]) == ("running", 1)

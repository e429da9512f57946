"""A campaign's inline audience (``crm.marketing.audience.requested.v1``): saved once as a
segment with the id marketing chose, evaluated over everyone with joins that carry the
evaluation's id, and answered with one ``segment.evaluated`` counting them."""

from uuid import uuid4

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing import at, created, outbox_events, uid
from crm_shared.testing.marketing_events import audience_requested
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver
from services.analytics.tests.segments_harness import NOW

A, B, C = uid("a"), uid("b"), uid("c")
SEGMENT = str(uuid4())
CAMPAIGN = str(uuid4())
RETAIL = {"field": "industry", "op": "eq", "value": "retail"}


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


async def test_a_requested_audience_is_saved_and_evaluated_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, industry="retail"), at(0))
    await deliver(app, created(B, industry="retail"), at(1))
    await deliver(app, created(C, industry="mining"), at(2))
    request = audience_requested(SEGMENT, CAMPAIGN, RETAIL, name="Spring sale")

    await deliver(app, request, at(3))
    await deliver(app, request, at(4))  # asked again (another envelope): nothing more

    segment = (await client.get(f"/v1/segments/{SEGMENT}")).json()
    assert segment["name"] == "Campaign: Spring sale"
    assert CAMPAIGN in segment["description"]
    assert segment["created_by"] == "marketing"
    assert segment["filter"] == RETAIL
    assert segment["size"] == 2
    listed = (await client.get("/v1/segments")).json()["items"]
    assert [s["id"] for s in listed] == [SEGMENT]

    evaluations = [e.payload for e in await outbox_events(app, "segment.evaluated")]
    assert len(evaluations) == 1
    evaluation = evaluations[0]
    assert (evaluation.segment_id, evaluation.members, evaluation.problem) == (SEGMENT, 2, None)
    joins = list(await outbox_events(app, "segment.membership_changed"))
    assert sorted(e.payload.customer_id for e in joins) == sorted([A, B])
    assert {e.payload.evaluation_id for e in joins} == {evaluation.evaluation_id}
    assert {e.key for e in joins} == {A, B}  # keyed by customer, spread over partitions
    assert (await outbox_events(app, "segment.evaluated"))[0].key == SEGMENT


async def test_later_changes_of_a_requested_segment_carry_no_evaluation(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, audience_requested(SEGMENT, CAMPAIGN, RETAIL), at(0))
    await deliver(app, created(A, industry="retail"), at(1))

    evaluation = (await outbox_events(app, "segment.evaluated"))[0].payload
    assert evaluation.members == 0
    joins = [e.payload for e in await outbox_events(app, "segment.membership_changed")]
    assert [(j.customer_id, j.evaluation_id) for j in joins] == [(A, None)]


async def test_a_filter_the_bands_do_not_name_saves_nothing_and_says_why(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, industry="retail"), at(0))
    odd_band = {"field": "age_band", "op": "eq", "value": "30-33"}
    await deliver(app, audience_requested(SEGMENT, CAMPAIGN, odd_band), at(1))

    assert (await client.get(f"/v1/segments/{SEGMENT}")).status_code == 404
    evaluation = (await outbox_events(app, "segment.evaluated"))[0].payload
    assert evaluation.members == 0
    assert evaluation.problem is not None
    assert "30-33" in evaluation.problem
    await deliver(app, created(B, industry="retail"), at(2))  # later refreshes still work

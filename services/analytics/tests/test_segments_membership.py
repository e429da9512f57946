"""Membership kept current incrementally: after every run of events the customers it named
are re-evaluated (joins and leaves written and published, versions counting up across
leaves and re-joins); erasure and merge make the customer leave; the scoring run's call
re-evaluates only the customers it names."""

from decimal import Decimal

import httpx
import pytest
from crm_analytics.segments.service import refresh_membership
from crm_shared.clock import Clock, FakeClock
from crm_shared.contracts.analytics import MembershipChange, SegmentMembershipChanged
from crm_shared.testing import at, created, erased, merged, uid, updated
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver, deliver_run
from services.analytics.tests.segments_harness import (
    NOW,
    membership_events,
    score_row,
    write_scores,
)

A, B, C = uid("a"), uid("b"), uid("c")
RETAIL = {"field": "industry", "op": "eq", "value": "retail"}


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


async def save(client: httpx.AsyncClient, name: str, filter_: dict[str, object]) -> str:
    response = await client.post("/v1/segments", json={"name": name, "filter": filter_})
    assert response.status_code == 201, response.text
    segment_id: str = response.json()["id"]
    return segment_id


async def size_of(client: httpx.AsyncClient, segment_id: str) -> int:
    size: int = (await client.get(f"/v1/segments/{segment_id}")).json()["size"]
    return size


async def test_profile_changes_join_and_leave_with_increasing_versions(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1, industry="retail"), at(0))
    segment_id = await save(client, "Retail", RETAIL)

    await deliver(app, created(B, 1, industry="retail"), at(1))  # joins
    await deliver(app, updated(A, 2, industry="mining"), at(2))  # leaves
    await deliver(app, updated(A, 3, industry="retail"), at(3))  # comes back
    await deliver(app, updated(B, 2, industry="retail", city="Hull"), at(4))  # stays

    assert await membership_events(app) == [
        ("Retail", A, "joined", 1),
        ("Retail", B, "joined", 1),
        ("Retail", A, "left", 2),
        ("Retail", A, "joined", 3),
    ]
    assert await size_of(client, segment_id) == 2


async def test_a_run_is_refreshed_once_and_own_events_are_skipped(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await save(client, "Retail", RETAIL)
    own = SegmentMembershipChanged(
        customer_id=C, segment_id="s", segment_name="x", change=MembershipChange.JOINED,
        sequence=1, changed_at=NOW,
    )  # fmt: skip
    await deliver_run(
        app,
        [created(A, 1, industry="retail"), updated(A, 2, industry="mining"),
         created(B, 1, industry="retail"), own],
        at(1),
    )  # fmt: skip

    # The run's net effect: A never matched at the end of it, B did.
    assert await membership_events(app) == [("Retail", B, "joined", 1)]


async def test_an_erased_customer_leaves_every_segment(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1, industry="retail"), at(0))
    retail = await save(client, "Retail", RETAIL)
    everyone = await save(client, "All", {"field": "orders", "op": "gte", "value": 0})

    await deliver(app, erased(A, 2, erased_at=at(1)), at(1))

    # (segments saved at one instant are refreshed in id order)
    assert sorted((await membership_events(app))[2:]) == [
        ("All", A, "left", 2),
        ("Retail", A, "left", 2),
    ]
    assert (await size_of(client, retail), await size_of(client, everyone)) == (0, 0)


async def test_a_merged_away_customer_leaves_and_the_survivor_is_re_evaluated(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1, industry="retail"), at(0))
    await deliver(app, created(B, 1, industry="mining"), at(1))
    segment_id = await save(client, "Retail", RETAIL)

    # B survives and takes on the merged record's industry.
    await deliver(app, merged(B, A, 2, industry="retail"), at(2))

    assert (await membership_events(app))[1:] == [
        ("Retail", B, "joined", 1),
        ("Retail", A, "left", 2),
    ]
    members = (await client.get(f"/v1/segments/{segment_id}/members")).json()["items"]
    assert [member["customer_id"] for member in members] == [B]


async def test_the_scoring_run_refreshes_only_the_customers_it_names(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for n, customer_id in enumerate((A, B, C)):
        await deliver(app, created(customer_id, 1), at(n))
    high = await save(client, "High risk", {"field": "churn_risk", "op": "eq", "value": "high"})
    await write_scores(app, *(score_row(c, churn_level="high") for c in (A, B, C)))

    async with app.state.runtime.unit_of_work() as uow:
        changed = await refresh_membership(uow, [A, B], NOW)
        await uow.commit()

    assert changed == 2
    assert await membership_events(app) == [
        ("High risk", A, "joined", 1),
        ("High risk", B, "joined", 1),
    ]
    await write_scores(app, score_row(A, monetary_total=Decimal(1)))  # low risk again
    async with app.state.runtime.unit_of_work() as uow:
        assert await refresh_membership(uow, None, NOW) == 2  # everyone: A leaves, C joins
        await uow.commit()
    assert (await membership_events(app))[2:] == [
        ("High risk", C, "joined", 1),
        ("High risk", A, "left", 2),
    ]
    assert await size_of(client, high) == 2

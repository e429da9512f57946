"""Membership kept current incrementally: after every run of events the customers it named
are re-evaluated (joins and leaves written and published, versions counting up across
leaves and re-joins); erasure and merge make the customer leave; the scoring run's call
re-evaluates only the customers it names."""

from decimal import Decimal

import httpx
import pytest
from crm_analytics.segments.service import refresh_membership
from crm_analytics.segments.timers import (
    EVERYONE,
    REFRESH_ALL,
    SEGMENTS_PER_STEP,
    refresh_everyone,
    request_full_refresh,
)
from crm_shared.clock import Clock, FakeClock
from crm_shared.contracts.analytics import MembershipChange, SegmentMembershipChanged
from crm_shared.testing import at, created, erased, merged, uid, updated
from crm_shared.timers import Timer, get_timer
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver, deliver_run
from services.analytics.tests.segments_harness import (
    NOW,
    membership_events,
    score_row,
    write_scores,
)
from tests.timers import fire_timers

A, B, C = uid("a"), uid("b"), uid("c")
RETAIL = {"field": "industry", "op": "eq", "value": "retail"}
HIGH_RISK = {"field": "churn_risk", "op": "eq", "value": "high"}


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


async def test_the_full_refresh_goes_a_few_segments_per_transaction(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """However many segments there are, no one transaction holds the write lock over all of
    them: each step of the refresh timer takes a few segments and re-arms it with where it
    got to; the steps together reach every segment."""
    await deliver(app, created(A, 1), at(0))
    count = 2 * SEGMENTS_PER_STEP + 3
    high = [
        await save(
            client, f"High risk {n:02}", {"field": "churn_risk", "op": "eq", "value": "high"}
        )
        for n in range(count)
    ]
    await write_scores(app, score_row(A, churn_level="high"))  # no event: only a refresh sees it

    async with app.state.runtime.unit_of_work() as uow:  # one step, looked at, rolled back
        await refresh_everyone(uow, Timer(0, REFRESH_ALL, EVERYONE, NOW, {}, 0, 1))
        assert len(uow._recorded) == SEGMENTS_PER_STEP
        found = await get_timer(uow, REFRESH_ALL, EVERYONE)
        assert found is not None
        assert found[0].payload["after"][1] == sorted(high)[SEGMENTS_PER_STEP - 1]

    async with app.state.runtime.unit_of_work() as uow:
        await request_full_refresh(uow)
        await uow.commit()
    await fire_timers(app)

    assert sorted(name for name, *_ in await membership_events(app)) == [
        f"High risk {n:02}" for n in range(count)
    ]
    assert [await size_of(client, segment_id) for segment_id in high] == [1] * count

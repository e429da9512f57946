"""Merges and erasure projected onto the profile and the timeline, on a real database:
aliases resolve to the survivor, histories join, erasure leaves an anonymous tombstone."""

import httpx
from crm_shared.contracts.customer import ConsentChannel, LifecycleStage
from crm_shared.testing import (
    PERSONAL,
    T0,
    at,
    consent_changed,
    created,
    erased,
    lifecycle_changed,
    merged,
    uid,
    updated,
)
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import (
    assert_no_personal_data,
    deliver,
    profile_of,
    record_other_event,
    timeline_of,
    timeline_row_count,
)

# Customer ids (UUIDs, as the master issues them) named for the tests.
A, B, C, C1 = uid("a"), uid("b"), uid("c"), uid("c1")
GHOST, OTHER = uid("ghost"), uid("other")


async def test_merge_resolves_the_alias_and_joins_the_histories(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1, name="Ada L."), at(0))
    await deliver(app, created(B, 1), at(1))
    await deliver(app, lifecycle_changed(A, 2, LifecycleStage.CUSTOMER), at(2))
    await deliver(app, consent_changed(B, 2, ConsentChannel.POST, True), at(3))
    await deliver(app, merged(B, A, 3, lifecycle_stage=LifecycleStage.CUSTOMER), at(4))

    body = await profile_of(client, A)

    assert (body["customer_id"], body["resolved_from"]) == (B, A)
    assert (body["merged_ids"], body["version"], body["status"]) == ([A], 3, "active")
    assert body["lifecycle"]["stage"] == "customer"
    timeline = await timeline_of(client, B)
    assert [(e["subject_id"], e["event_type"].split(".")[2]) for e in timeline] == [
        (B, "merged"),
        (B, "consent_changed"),
        (A, "lifecycle_changed"),
        (B, "created"),
        (A, "created"),
    ]
    assert timeline[0]["summary"] == f"Customer {A} merged into {B}"
    assert await timeline_of(client, A) == timeline
    assert len(body["lifecycle"]["history"]) == 3  # a's two entries joined b's one


async def test_events_about_a_merged_customer_land_on_the_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1), at(0))
    await deliver(app, created(B, 1, name="Survivor"), at(1))
    await deliver(app, merged(B, A, 2, name="Survivor"), at(2))
    # Consumed after the merge (another partition): history, but not the survivor's data,
    # however high the alias's own version (versions count per customer).
    await deliver(app, updated(A, 9, name="Late Alias"), at(1.5))
    await deliver(app, lifecycle_changed(A, 10, LifecycleStage.LOST), at(1.6))

    body = await profile_of(client, B)

    assert (body["name"], body["version"], body["lifecycle"]["stage"]) == (
        "Survivor",
        2,
        "prospect",
    )
    assert [e["subject_id"] for e in await timeline_of(client, B)] == [
        B,
        A,
        A,
        B,
        A,
    ]


async def test_merge_chains_resolve_to_the_last_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for customer_id, minute in ((A, 0), (B, 1), (C, 2)):
        await deliver(app, created(customer_id, 1), at(minute))
    await deliver(app, merged(B, A, 2), at(3))
    await deliver(app, merged(C, B, 2), at(4))

    for asked in (A, B, C):
        body = await profile_of(client, asked)
        assert body["customer_id"] == C
    assert (await profile_of(client, C))["merged_ids"] == [A, B]
    subjects = [e["subject_id"] for e in await timeline_of(client, C)]
    assert sorted(subjects) == [A, B, B, C, C]


async def test_merges_consumed_out_of_order_still_chain(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for customer_id, minute in ((A, 0), (B, 1), (C, 2)):
        await deliver(app, created(customer_id, 1), at(minute))
    await deliver(app, merged(C, B, 2), at(4))
    await deliver(app, merged(B, A, 9, name="Stale B"), at(3))  # keyed by b: late

    body = await profile_of(client, A)

    assert (body["customer_id"], body["resolved_from"]) == (C, A)
    assert body["name"] == PERSONAL["name"]  # b's stale snapshot did not reach c
    assert len(await timeline_of(client, C)) == 5


async def test_erasure_scrubs_the_profile_and_the_timeline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1), at(0))
    await deliver(app, created(B, 1), at(1))
    await deliver(
        app,
        lifecycle_changed(B, 2, LifecycleStage.CUSTOMER, reason=f"call with {PERSONAL['name']}"),
        at(2),
    )
    await deliver(
        app, consent_changed(B, 3, ConsentChannel.SMS, True, source=PERSONAL["phone"]), at(3)
    )
    await deliver(app, merged(B, A, 4, lifecycle_stage=LifecycleStage.CUSTOMER), at(4))
    await deliver(app, erased(B, 5, erased_at=at(5)), at(5))

    body = await profile_of(client, B)
    timeline = await timeline_of(client, B)

    assert (body["status"], body["erased_at"][:16]) == ("erased", "2025-03-01T09:05")
    for field in ("name", "email", "phone", "company", "birth_date", "city", "region"):
        assert body[field] is None
    assert (body["tags"], body["segmentation"], body["consent"]) == ([], {}, {})
    assert (body["kind"], body["lifecycle"]["stage"]) == ("individual", "customer")
    assert all(change["reason"] is None for change in body["lifecycle"]["history"])
    assert [e["event_type"].split(".")[2] for e in timeline] == [
        "erased", "merged", "consent_changed", "lifecycle_changed", "created", "created",
    ]  # fmt: skip
    assert timeline[-1]["occurred_at"].startswith(T0.isoformat()[:16])
    assert_no_personal_data({"profile": body, "timeline": timeline})
    assert (await profile_of(client, A))["customer_id"] == B


async def test_nothing_is_applied_after_erasure(app: FastAPI, client: httpx.AsyncClient) -> None:
    await deliver(app, created(C1, 1), at(0))
    await deliver(app, erased(C1, 2), at(1))
    rows = await timeline_row_count(app)

    await deliver(app, updated(C1, 3, name="Back Again"), at(2))
    await deliver(app, lifecycle_changed(C1, 4, LifecycleStage.LOST), at(3))
    await deliver(app, erased(C1, 5), at(4))
    await deliver(app, created(OTHER, 1), at(5))
    await deliver(app, merged(C1, OTHER, 6), at(6))  # a late merge into the tombstone

    body = await profile_of(client, C1)
    assert (body["status"], body["name"], body["version"]) == ("erased", None, 2)
    assert await timeline_row_count(app) == rows + 2  # OTHER created + the merge, scrubbed
    assert_no_personal_data({"profile": body, "timeline": await timeline_of(client, C1)})


async def test_erasure_of_a_customer_never_seen_leaves_a_tombstone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, erased(GHOST, 3), at(0))
    await deliver(app, created(GHOST, 1), at(-5))

    body = await profile_of(client, GHOST)

    assert (body["status"], body["name"], body["kind"]) == ("erased", None, None)
    assert len(await timeline_of(client, GHOST)) == 1


async def test_erasure_scrubs_other_services_events_too(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    await record_other_event(
        app,
        "crm.marketing.email_opened.v1",
        at(1),
        {"customer_id": C1, "reply": f"{PERSONAL['name']} says the engine broke"},
    )
    await deliver(app, erased(C1, 2), at(2))

    timeline = await timeline_of(client, C1)

    assert timeline[1]["data"] == {"customer_id": C1}
    assert timeline[1]["summary"] == "Marketing: email opened"
    assert_no_personal_data(timeline)


async def test_erasure_naming_an_alias_erases_the_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1), at(0))
    await deliver(app, created(B, 1), at(1))
    await deliver(app, merged(B, A, 2), at(2))

    await deliver(app, erased(A, 3), at(3))

    body = await profile_of(client, B)
    assert (body["status"], body["name"], body["merged_ids"]) == ("erased", None, [A])
    assert_no_personal_data(await timeline_of(client, B))

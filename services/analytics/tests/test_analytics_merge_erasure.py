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


async def test_merge_resolves_the_alias_and_joins_the_histories(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created("a", 1, name="Ada L."), at(0))
    await deliver(app, created("b", 1), at(1))
    await deliver(app, lifecycle_changed("a", 2, LifecycleStage.CUSTOMER), at(2))
    await deliver(app, consent_changed("b", 2, ConsentChannel.POST, True), at(3))
    await deliver(app, merged("b", "a", 3, lifecycle_stage=LifecycleStage.CUSTOMER), at(4))

    body = await profile_of(client, "a")

    assert (body["customer_id"], body["resolved_from"]) == ("b", "a")
    assert (body["merged_ids"], body["version"], body["status"]) == (["a"], 3, "active")
    assert body["lifecycle"]["stage"] == "customer"
    timeline = await timeline_of(client, "b")
    assert [(e["subject_id"], e["event_type"].split(".")[2]) for e in timeline] == [
        ("b", "merged"),
        ("b", "consent_changed"),
        ("a", "lifecycle_changed"),
        ("b", "created"),
        ("a", "created"),
    ]
    assert timeline[0]["summary"] == "Customer a merged into b"
    assert await timeline_of(client, "a") == timeline
    assert len(body["lifecycle"]["history"]) == 3  # a's two entries joined b's one


async def test_events_about_a_merged_customer_land_on_the_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created("a", 1), at(0))
    await deliver(app, created("b", 1, name="Survivor"), at(1))
    await deliver(app, merged("b", "a", 2, name="Survivor"), at(2))
    # Consumed after the merge (another partition): history, but not the survivor's data,
    # however high the alias's own version (versions count per customer).
    await deliver(app, updated("a", 9, name="Late Alias"), at(1.5))
    await deliver(app, lifecycle_changed("a", 10, LifecycleStage.LOST), at(1.6))

    body = await profile_of(client, "b")

    assert (body["name"], body["version"], body["lifecycle"]["stage"]) == (
        "Survivor",
        2,
        "prospect",
    )
    assert [e["subject_id"] for e in await timeline_of(client, "b")] == ["b", "a", "a", "b", "a"]


async def test_merge_chains_resolve_to_the_last_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for customer_id, minute in (("a", 0), ("b", 1), ("c", 2)):
        await deliver(app, created(customer_id, 1), at(minute))
    await deliver(app, merged("b", "a", 2), at(3))
    await deliver(app, merged("c", "b", 2), at(4))

    for asked in ("a", "b", "c"):
        body = await profile_of(client, asked)
        assert body["customer_id"] == "c"
    assert (await profile_of(client, "c"))["merged_ids"] == ["a", "b"]
    subjects = [e["subject_id"] for e in await timeline_of(client, "c")]
    assert sorted(subjects) == ["a", "b", "b", "c", "c"]


async def test_merges_consumed_out_of_order_still_chain(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for customer_id, minute in (("a", 0), ("b", 1), ("c", 2)):
        await deliver(app, created(customer_id, 1), at(minute))
    await deliver(app, merged("c", "b", 2), at(4))
    await deliver(app, merged("b", "a", 9, name="Stale B"), at(3))  # keyed by b: late

    body = await profile_of(client, "a")

    assert (body["customer_id"], body["resolved_from"]) == ("c", "a")
    assert body["name"] == PERSONAL["name"]  # b's stale snapshot did not reach c
    assert len(await timeline_of(client, "c")) == 5


async def test_erasure_scrubs_the_profile_and_the_timeline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created("a", 1), at(0))
    await deliver(app, created("b", 1), at(1))
    await deliver(
        app,
        lifecycle_changed("b", 2, LifecycleStage.CUSTOMER, reason=f"call with {PERSONAL['name']}"),
        at(2),
    )
    await deliver(
        app, consent_changed("b", 3, ConsentChannel.SMS, True, source=PERSONAL["phone"]), at(3)
    )
    await deliver(app, merged("b", "a", 4, lifecycle_stage=LifecycleStage.CUSTOMER), at(4))
    await deliver(app, erased("b", 5, erased_at=at(5)), at(5))

    body = await profile_of(client, "b")
    timeline = await timeline_of(client, "b")

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
    assert (await profile_of(client, "a"))["customer_id"] == "b"


async def test_nothing_is_applied_after_erasure(app: FastAPI, client: httpx.AsyncClient) -> None:
    await deliver(app, created("c1", 1), at(0))
    await deliver(app, erased("c1", 2), at(1))
    rows = await timeline_row_count(app)

    await deliver(app, updated("c1", 3, name="Back Again"), at(2))
    await deliver(app, lifecycle_changed("c1", 4, LifecycleStage.LOST), at(3))
    await deliver(app, erased("c1", 5), at(4))
    await deliver(app, created("other", 1), at(5))
    await deliver(app, merged("c1", "other", 6), at(6))  # a late merge into the tombstone

    body = await profile_of(client, "c1")
    assert (body["status"], body["name"], body["version"]) == ("erased", None, 2)
    assert await timeline_row_count(app) == rows + 2  # "other" created + the merge, scrubbed
    assert_no_personal_data({"profile": body, "timeline": await timeline_of(client, "c1")})


async def test_erasure_of_a_customer_never_seen_leaves_a_tombstone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, erased("ghost", 3), at(0))
    await deliver(app, created("ghost", 1), at(-5))

    body = await profile_of(client, "ghost")

    assert (body["status"], body["name"], body["kind"]) == ("erased", None, None)
    assert len(await timeline_of(client, "ghost")) == 1


async def test_erasure_scrubs_other_services_events_too(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created("c1", 1), at(0))
    await record_other_event(
        app,
        "crm.support.ticket_opened.v1",
        at(1),
        {"customer_id": "c1", "description": f"{PERSONAL['name']} says the engine broke"},
    )
    await deliver(app, erased("c1", 2), at(2))

    timeline = await timeline_of(client, "c1")

    assert timeline[1]["data"] == {"customer_id": "c1"}
    assert timeline[1]["summary"] == "Support: ticket opened"
    assert_no_personal_data(timeline)


async def test_erasure_naming_an_alias_erases_the_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created("a", 1), at(0))
    await deliver(app, created("b", 1), at(1))
    await deliver(app, merged("b", "a", 2), at(2))

    await deliver(app, erased("a", 3), at(3))

    body = await profile_of(client, "b")
    assert (body["status"], body["name"], body["merged_ids"]) == ("erased", None, ["a"])
    assert_no_personal_data(await timeline_of(client, "b"))

"""Customer events projected onto the 360 profile and the timeline, on a real database.

Each event goes through the service's own handler in one unit of work, exactly as the
consumer applies it (minus the broker and the inbox, which would hide a non-idempotent
timeline), and the result is read back through the API.
"""

import httpx
from crm_shared.contracts.customer import ConsentChannel, CreditGrade, LifecycleStage
from crm_shared.testing import (
    PERSONAL,
    at,
    consent_changed,
    created,
    credit_rated,
    lifecycle_changed,
    uid,
    updated,
)
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import (
    deliver,
    profile_of,
    record_other_event,
    timeline_of,
    timeline_row_count,
)

# Customer ids (UUIDs, as the master issues them) named for the tests.
C1 = uid("c1")


async def test_created_builds_the_profile(app: FastAPI, client: httpx.AsyncClient) -> None:
    sent = await deliver(app, created(C1, 1), at(0))

    body = await profile_of(client, C1)

    assert (body["customer_id"], body["status"], body["version"]) == (C1, "active", 1)
    assert body["resolved_from"] is None
    for field in ("name", "email", "phone", "company", "city", "region", "industry", "tags"):
        assert body[field] == PERSONAL[field]
    assert body["segmentation"] == PERSONAL["segmentation"]
    assert (body["kind"], body["owner"], body["source"]) == ("individual", "rep-7", "web")
    assert body["birth_date"] == "1815-12-10"
    assert body["consent"]["email"]["granted"] is True
    assert body["consent"]["sms"]["granted"] is False
    assert body["lifecycle"]["stage"] == "prospect"
    assert [h["to_stage"] for h in body["lifecycle"]["history"]] == ["prospect"]
    assert body["credit"]["credit_grade"] == "B"
    assert body["credit"]["operating_grade"] == "grade_1"
    [entry] = body["timeline"]["items"]
    assert entry["event_id"] == str(sent.id)
    assert entry["event_type"] == "crm.customer.created.v1"
    assert entry["source_service"] == "customer"
    assert entry["summary"] == "Customer created: Ada Lovelace (individual, prospect)"
    assert entry["data"]["customer"]["email"] == PERSONAL["email"]


async def test_updated_changes_the_profile_and_adds_to_the_timeline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    await deliver(app, updated(C1, 2, email="ada@engines.example", tags=["vip"]), at(1))

    body = await profile_of(client, C1)

    assert (body["email"], body["tags"], body["version"]) == ("ada@engines.example", ["vip"], 2)
    summaries = [entry["summary"] for entry in body["timeline"]["items"]]
    assert summaries[0] == "Details updated: email, tags"
    assert len(summaries) == 2


async def test_lifecycle_change_moves_the_stage_and_records_why(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    await deliver(
        app,
        lifecycle_changed(C1, 2, LifecycleStage.CUSTOMER, reason="first order", changed_at=at(5)),
        at(5),
    )

    body = await profile_of(client, C1)

    assert body["lifecycle"]["stage"] == "customer"
    first, second = body["lifecycle"]["history"]
    assert (first["from_stage"], first["to_stage"]) == (None, "prospect")
    assert (second["from_stage"], second["to_stage"]) == ("prospect", "customer")
    assert (second["reason"], second["changed_by"]) == ("first order", "rep-7")
    assert second["changed_at"].startswith("2025-03-01T09:05")
    assert body["timeline"]["items"][0]["summary"] == (
        "Lifecycle stage prospect → customer: first order"
    )


async def test_consent_change_records_state_time_and_source_per_channel(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    await deliver(app, consent_changed(C1, 2, ConsentChannel.SMS, True, changed_at=at(10)), at(10))
    # A later snapshot that agrees with the stored consent keeps the time it changed.
    await deliver(
        app,
        updated(C1, 3, consent={ConsentChannel.EMAIL: True, ConsentChannel.SMS: True}),
        at(20),
    )

    consent = (await profile_of(client, C1))["consent"]

    assert consent["sms"]["granted"] is True
    assert consent["sms"]["changed_at"].startswith("2025-03-01T09:10")
    assert consent["sms"]["source"] == "preference centre"
    assert consent["email"]["granted"] is True
    assert consent["email"]["changed_at"].startswith("2025-03-01T09:00")


async def test_credit_rating_sets_the_grades(app: FastAPI, client: httpx.AsyncClient) -> None:
    await deliver(app, created(C1, 1), at(0))
    await deliver(app, credit_rated(C1, 2, CreditGrade.D), at(1))

    body = await profile_of(client, C1)

    # No operating grade in the rating: the one from the snapshot stays.
    assert (body["credit"]["credit_grade"], body["credit"]["operating_grade"]) == ("D", "grade_1")
    assert (body["credit"]["basis"], body["version"]) == ("manual", 2)
    assert body["timeline"]["items"][0]["summary"] == "Credit grade D (manual)"


async def test_older_versions_never_move_the_profile_back(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    await deliver(app, updated(C1, 4, name="Ada King"), at(4))
    # Late arrivals, each older than what the profile already shows.
    await deliver(app, updated(C1, 3, name="Ada Byron"), at(3))
    await deliver(app, lifecycle_changed(C1, 2, LifecycleStage.LOST, changed_at=at(2)), at(2))
    await deliver(app, consent_changed(C1, 3, ConsentChannel.EMAIL, False), at(3))
    await deliver(app, credit_rated(C1, 4, CreditGrade.E), at(4.5))

    body = await profile_of(client, C1)

    assert (body["name"], body["version"]) == ("Ada King", 4)
    assert body["lifecycle"]["stage"] == "prospect"
    assert body["consent"]["email"]["granted"] is True
    assert body["credit"]["credit_grade"] == "B"
    # History is still complete: every event is on the timeline, the late stage change too.
    assert len(await timeline_of(client, C1)) == 6
    assert [h["to_stage"] for h in body["lifecycle"]["history"]] == ["prospect", "lost"]


async def test_a_redelivered_event_adds_one_timeline_row(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    first = await deliver(app, created(C1, 1), at(0))
    change = lifecycle_changed(C1, 2, LifecycleStage.CUSTOMER)
    sent = await deliver(app, change, at(1))
    await deliver(app, change, at(1), event_id=sent.id)
    await deliver(app, created(C1, 1), at(0), event_id=first.id)

    assert await timeline_row_count(app, C1) == 2
    body = await profile_of(client, C1)
    assert len(body["lifecycle"]["history"]) == 2


async def test_events_before_the_profile_exists_still_make_history(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, consent_changed(C1, 2, ConsentChannel.SMS, True), at(1))

    assert (await client.get(f"/v1/profiles/{C1}")).status_code == 404
    assert len(await timeline_of(client, C1)) == 1

    await deliver(app, created(C1, 1), at(0))
    body = await profile_of(client, C1)
    assert body["version"] == 1
    assert [e["event_type"].split(".")[2] for e in body["timeline"]["items"]] == [
        "consent_changed",
        "created",
    ]


async def test_other_services_events_go_on_the_timeline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    await record_other_event(
        app,
        "crm.marketing.email_opened.v1",
        at(1),
        {"customer_id": C1, "campaign_id": "m-1", "variant": "b"},
    )

    newest = (await timeline_of(client, C1))[0]

    assert (newest["source_service"], newest["summary"]) == ("marketing", "Marketing: email opened")
    assert newest["data"]["campaign_id"] == "m-1"

"""The tickets API: the creation contract, the flow's refusals, contacts, notes,
hand-overs, changes, escalation and the major sign-off."""

from datetime import UTC, datetime, timedelta

import httpx
from crm_shared.clock import FakeClock
from crm_shared.contracts.analytics import AbcClass, ValueClass, ValueClassChanged
from crm_shared.testing import assert_problem, outbox_events
from crm_shared.testing.auth import as_subject
from crm_shared.testing.customer_events import erased, merged, uid
from fastapi import FastAPI

from services.support.tests.support_builders import (
    CUSTOMER,
    deliver_events,
    move,
    moved,
    open_ticket,
    read,
    seed_customer,
    seed_team,
    target_of,
    ticket_body,
)


async def test_opening_a_complaint_answers_the_contract(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    await seed_team(support_app, "team-1", "boss-1", "agent-1")
    response = await support_client.post(
        "/v1/tickets",
        json=ticket_body(cause="quality", product="kettle K2", intensity="low"),
        headers={"Idempotency-Key": "k-1"},
    )
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/tickets/{ticket['id']}"
    assert ticket["status"] == "received"
    assert ticket["owner"] == "agent-1"
    assert ticket["major"] is False
    assert ticket["major_reasons"] == []
    assert ticket["department"] == "team-1"
    assert ticket["long_standing"] is True
    assert ticket["priority"] == "normal"
    assert {t["target"]: t["state"] for t in ticket["targets"]} == {
        "first_contact": "running",
        "proposal": "running",
    }
    first = target_of(ticket, "first_contact")
    assert first["due_at"] == "2026-12-07T11:00:00Z"
    assert first["remaining_seconds"] == 7200
    assert first["met_at"] is None
    assert first["breached_at"] is None
    assert target_of(ticket, "proposal")["due_at"] == "2026-12-08T09:00:00Z"
    assert [entry["kind"] for entry in ticket["history"]] == ["created"]
    [opened] = await outbox_events(support_app, "ticket_opened")
    assert opened.key == CUSTOMER
    assert opened.payload.ticket.status == "received"

    again = await support_client.post(
        "/v1/tickets",
        json=ticket_body(cause="quality", product="kettle K2", intensity="low"),
        headers={"Idempotency-Key": "k-1"},
    )
    assert again.json()["id"] == ticket["id"]
    listed = await support_client.get("/v1/tickets", params={"customer_id": CUSTOMER})
    assert [item["id"] for item in listed.json()["items"]] == [ticket["id"]]


async def test_an_unknown_or_erased_customer_is_refused(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    response = await support_client.post("/v1/tickets", json=ticket_body(uid("nobody")))
    body = assert_problem(response, 422, contains="customer")
    assert body["errors"][0]["location"] == "body.customer_id"
    await seed_customer(support_app, uid("gone"))
    await deliver_events(support_app, erased(uid("gone"), 2))
    response = await support_client.post("/v1/tickets", json=ticket_body(uid("gone")))
    assert_problem(response, 422, contains="customer")


async def test_a_merged_customers_ticket_goes_to_the_survivor(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app, uid("alias"), lifecycle_stage="prospect")
    await seed_customer(support_app)
    await deliver_events(support_app, merged(CUSTOMER, uid("alias"), 2))
    ticket = await open_ticket(support_client, customer_id=uid("alias"))
    assert ticket["customer_id"] == CUSTOMER


async def test_a_cause_must_fit_the_category(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    response = await support_client.post("/v1/tickets", json=ticket_body(cause="attitude"))
    body = assert_problem(response, 422, contains="cause")
    assert body["errors"][0]["location"] == "body.cause"


async def test_an_illegal_move_lists_the_allowed_ones(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    response = await move(support_client, ticket["id"], "resolved")
    body = assert_problem(response, 409, contains="acknowledged")
    assert body["allowed"] == ["acknowledged", "waiting_on_customer"]
    assert body["type"].endswith("transition-not-allowed")


async def test_if_match_is_checked_when_sent(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    stale = await support_client.post(
        f"/v1/tickets/{ticket['id']}/transitions",
        json={"to": "acknowledged"},
        headers={"If-Match": '"7"'},
    )
    assert_problem(stale, 412)
    fresh = await support_client.post(
        f"/v1/tickets/{ticket['id']}/transitions",
        json={"to": "acknowledged", "note": "called back"},
        headers={"If-Match": '"1"'},
    )
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] == '"2"'
    entry = fresh.json()["history"][-1]
    assert entry["kind"] == "transition"
    assert (entry["from_status"], entry["to_status"], entry["text"]) == (
        "received",
        "acknowledged",
        "called back",
    )
    [changed] = await outbox_events(support_app, "ticket_changed")
    assert changed.payload.changed_fields == ["status"]
    assert changed.payload.from_status == "received"


async def test_acknowledging_in_time_meets_first_contact(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    clock.advance(timedelta(minutes=90))
    acknowledged = await moved(support_client, ticket["id"], "acknowledged")
    first = target_of(acknowledged, "first_contact")
    assert first["state"] == "met"
    assert first["met_at"] == "2026-12-07T10:30:00Z"
    assert first["due_at"] is None
    [met] = await outbox_events(support_app, "sla.met")
    assert met.payload.target == "first_contact"
    clock.advance(timedelta(days=1))
    await support_app.state.runtime.timers.fire_due()
    breaches = await outbox_events(support_app, "sla.breached")
    assert [breach.payload.target for breach in breaches] == ["proposal"]
    again = await read(support_client, ticket["id"])
    assert target_of(again, "first_contact")["state"] == "met"


async def test_a_contact_by_the_owner_meets_first_contact_and_counts(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    by_someone = await support_client.post(
        f"/v1/tickets/{ticket['id']}/contacts",
        json={"direction": "outbound", "channel": "phone", "summary": "left a message"},
    )
    assert target_of(by_someone.json(), "first_contact")["state"] == "running"
    by_owner = await support_client.post(
        f"/v1/tickets/{ticket['id']}/contacts",
        json={"direction": "outbound", "channel": "phone", "summary": "talked it through"},
        headers=as_subject("agent-1", "support"),
    )
    assert by_owner.status_code == 200, by_owner.text
    after = by_owner.json()
    assert after["contacts"] == 2
    assert target_of(after, "first_contact")["state"] == "met"
    contacts = [entry for entry in after["history"] if entry["kind"] == "contact"]
    assert [entry["text"] for entry in contacts] == ["left a message", "talked it through"]
    assert contacts[1]["actor"] == "agent-1"
    assert contacts[1]["details"] == {"direction": "outbound", "channel": "phone"}


async def test_a_third_unresolved_contact_makes_a_complaint_major(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    for _ in range(3):
        response = await support_client.post(
            f"/v1/tickets/{ticket['id']}/contacts",
            json={"direction": "inbound", "channel": "email", "summary": "where is my refund"},
        )
    after = response.json()
    assert after["major"] is True
    assert after["major_reasons"] == ["unresolved_after_contacts"]
    assert after["manager"] == "support-manager"
    assert after["senior"] == "senior-management"
    assert target_of(after, "major_reply")["state"] == "running"
    [escalated] = await outbox_events(support_app, "ticket_escalated")
    assert escalated.payload.reasons == ["unresolved_after_contacts"]


async def test_hand_overs_are_recorded_and_passing_around_makes_it_major(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    await seed_team(support_app, "team-2", "boss-2", "agent-3")
    ticket = await open_ticket(support_client)
    first = await support_client.post(
        f"/v1/tickets/{ticket['id']}/handover", json={"to": "agent-2", "reason": "billing"}
    )
    assert first.status_code == 200, first.text
    assert (first.json()["owner"], first.json()["handovers"], first.json()["major"]) == (
        "agent-2",
        1,
        False,
    )
    second = await support_client.post(
        f"/v1/tickets/{ticket['id']}/handover", json={"to": "agent-3", "reason": "specialist"}
    )
    after = second.json()
    assert after["owner"] == "agent-3"
    assert after["major_reasons"] == ["passed_around"]
    assert after["manager"] == "boss-2"  # the new owner's team manager
    handovers = [entry for entry in after["history"] if entry["kind"] == "handover"]
    assert [(e["details"]["from"], e["details"]["to"], e["text"]) for e in handovers] == [
        ("agent-1", "agent-2", "billing"),
        ("agent-2", "agent-3", "specialist"),
    ]
    same = await support_client.post(
        f"/v1/tickets/{ticket['id']}/handover", json={"to": "agent-3", "reason": "again"}
    )
    assert_problem(same, 409)
    no_owner = await support_client.post(
        f"/v1/tickets/{ticket['id']}/handover", json={"to": None, "reason": "drop it"}
    )
    assert no_owner.status_code == 422


async def test_a_vip_customers_complaint_is_major_at_once(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app, tags=["vip"])
    await seed_team(support_app, "team-1", "boss-1", "agent-1")
    ticket = await open_ticket(support_client)
    assert ticket["major"] is True
    assert ticket["major_reasons"] == ["vip"]
    assert (ticket["manager"], ticket["senior"]) == ("boss-1", "senior-management")
    major_reply = target_of(ticket, "major_reply")
    assert major_reply["state"] == "running"
    assert major_reply["due_at"] == "2026-12-09T09:00:00Z"
    [escalated] = await outbox_events(support_app, "ticket_escalated")
    assert escalated.payload.reasons == ["vip"]
    inquiry = await open_ticket(support_client, kind="inquiry", category="other")
    assert inquiry["major"] is False


def value_class_changed(value_class: str | None, sequence: int) -> ValueClassChanged:
    return ValueClassChanged(
        customer_id=CUSTOMER,
        value_class=ValueClass(value_class) if value_class else None,
        previous=None,
        abc_class=AbcClass.A if value_class == "A" else None,
        value="5000.00",
        currency="EUR",
        sequence=sequence,
        computed_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


async def test_a_complaint_of_a_customer_analytics_classes_a_is_major(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    await deliver_events(support_app, value_class_changed("A", 2))
    await deliver_events(support_app, value_class_changed(None, 1))  # older run: ignored
    ticket = await open_ticket(support_client)
    assert ticket["major_reasons"] == ["vip"]
    shown = await support_client.get(f"/v1/customers/{CUSTOMER}")
    assert shown.json()["value_class"] == "A"
    await deliver_events(support_app, value_class_changed("C", 3))
    other = await open_ticket(support_client, category="billing")
    assert other["major"] is False


async def test_a_repeat_complaint_in_the_category_is_major(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    await open_ticket(support_client)
    other = await open_ticket(support_client, category="billing")
    assert other["major"] is False
    repeat = await open_ticket(support_client)
    assert repeat["major_reasons"] == ["repeat_complaint"]


async def test_a_change_of_facts_is_recorded_and_may_make_it_major(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    url = f"/v1/tickets/{ticket['id']}"
    without = await support_client.patch(url, json={"intensity": "high"})
    assert_problem(without, 428)
    same_person = await support_client.patch(
        url, json={"handler": "agent-5", "follow_up_officer": "agent-5"}, headers={"If-Match": "*"}
    )
    body = assert_problem(same_person, 422, contains="other than the handler")
    assert body["errors"][0]["location"] == "body.follow_up_officer"
    response = await support_client.patch(
        url,
        json={"intensity": "high", "handler": "agent-5", "grievance": False},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert (after["intensity"], after["handler"], after["major"]) == ("high", "agent-5", True)
    assert after["major_reasons"] == ["high_intensity"]
    assert after["was_grievance"] is False  # it was no grievance
    not_manager = await support_client.patch(
        url,
        json={"inconsistent_answers": True},
        headers={"If-Match": "*", **as_subject("agent-1", "support")},
    )
    assert_problem(not_manager, 403)
    calmer = await support_client.patch(url, json={"intensity": "low"}, headers={"If-Match": "*"})
    assert calmer.json()["major"] is True  # major never silently drops


async def test_a_grievance_that_becomes_a_complaint_is_marked(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client, grievance=True)
    response = await support_client.patch(
        f"/v1/tickets/{ticket['id']}", json={"grievance": False}, headers={"If-Match": "*"}
    )
    assert (response.json()["grievance"], response.json()["was_grievance"]) == (False, True)


async def test_escalation_by_hand(support_app: FastAPI, support_client: httpx.AsyncClient) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    url = f"/v1/tickets/{ticket['id']}/escalate"
    response = await support_client.post(url, json={"reason": "the customer asked for a boss"})
    after = response.json()
    assert (after["manager"], after["major"]) == ("support-manager", False)
    response = await support_client.post(url, json={"reason": "press inquiry", "major": True})
    after = response.json()
    assert (after["major"], after["major_reasons"]) == (True, ["manual"])
    assert target_of(after, "major_reply")["state"] == "running"
    inquiry = await open_ticket(support_client, kind="inquiry", category="other")
    refused = await support_client.post(
        f"/v1/tickets/{inquiry['id']}/escalate", json={"reason": "x", "major": True}
    )
    assert_problem(refused, 409, contains="complaint")


async def test_a_major_complaint_closes_only_with_sign_off_and_lessons(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app, tags=["vip"])
    ticket = await open_ticket(support_client)
    await moved(
        support_client,
        ticket["id"],
        "acknowledged",
        "investigating",
        "responsibility_determined",
        "resolution_proposed",
        "accepted",
        "resolved",
    )
    resolved = await read(support_client, ticket["id"])
    assert target_of(resolved, "follow_up")["state"] == "running"
    await moved(support_client, ticket["id"], "follow_up_done")
    no_lessons = await move(support_client, ticket["id"], "closed")
    assert_problem(no_lessons, 409, contains="lessons_learned")
    agent = await support_client.post(
        f"/v1/tickets/{ticket['id']}/transitions",
        json={"to": "closed", "lessons_learned": "check seals"},
        headers=as_subject("agent-1", "support"),
    )
    assert_problem(agent, 403, contains="sign-off")
    manager = await support_client.post(
        f"/v1/tickets/{ticket['id']}/transitions",
        json={"to": "closed", "lessons_learned": "check seals"},
        headers=as_subject("support-manager", "support"),
    )
    assert manager.status_code == 200, manager.text
    closed = manager.json()
    assert (closed["status"], closed["signed_off_by"], closed["lessons_learned"]) == (
        "closed",
        "support-manager",
        "check seals",
    )
    assert target_of(closed, "major_reply")["state"] == "cancelled"
    assert target_of(closed, "follow_up")["state"] == "met"


async def test_an_inquiry_answered_on_the_spot_closes_without_follow_up(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client, kind="inquiry", category="other")
    closed = await moved(support_client, ticket["id"], "acknowledged", "resolved", "closed")
    assert closed["status"] == "closed"
    assert {t["target"]: t["state"] for t in closed["targets"]} == {
        "first_contact": "met",
        "proposal": "met",
    }
    complaint = await open_ticket(support_client)
    await moved(support_client, complaint["id"], "acknowledged")
    assert_problem(await move(support_client, complaint["id"], "resolved"), 409)


async def test_notes_and_the_queue_order(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    low = await open_ticket(support_client, priority="low")
    clock.advance(minutes=1)
    urgent = await open_ticket(support_client, priority="urgent", category="billing")
    clock.advance(minutes=1)
    done = await open_ticket(support_client, kind="request", category="other")
    await moved(support_client, done["id"], "acknowledged", "resolved", "closed")
    noted = await support_client.post(
        f"/v1/tickets/{low['id']}/notes", json={"text": "customer prefers e-mail"}
    )
    assert noted.json()["history"][-1]["text"] == "customer prefers e-mail"
    queue = await support_client.get("/v1/tickets", params={"open": "true"})
    assert [item["id"] for item in queue.json()["items"]] == [urgent["id"], low["id"]]
    everything = await support_client.get("/v1/tickets", params={"limit": 2})
    page = everything.json()
    assert [item["id"] for item in page["items"]] == [urgent["id"], low["id"]]
    rest = await support_client.get(
        "/v1/tickets", params={"limit": 2, "cursor": page["next_cursor"]}
    )
    assert [item["id"] for item in rest.json()["items"]] == [done["id"]]
    by_receipt = await support_client.get(
        "/v1/tickets", params={"sort": "received", "limit": 1, "total": "true"}
    )
    assert by_receipt.json()["total"] == 3
    second = await support_client.get(
        "/v1/tickets",
        params={"sort": "received", "limit": 1, "cursor": by_receipt.json()["next_cursor"]},
    )
    assert [item["id"] for item in second.json()["items"]] == [urgent["id"]]
    majors = await support_client.get("/v1/tickets", params={"major": "true"})
    assert majors.json()["items"] == []

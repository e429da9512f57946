"""Service visits and routine follow-up calls: a visit or a sale schedules one call, due in
3 days; its due timer says so once; the outcome closes it, and a "not fixed" or
dissatisfied answer opens a complaint at once."""

from datetime import timedelta

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import assert_problem, deliver, deliveries_of, outbox_events, uid
from crm_support.handlers import handlers_for
from crm_support.settings import SupportSettings
from fastapi import FastAPI

from services.support.tests.support_builders import (
    CUSTOMER,
    START,
    call_outcome,
    deliver_events,
    follow_up_calls,
    order_placed_event,
    pass_time,
    read,
    record_visit,
    seed_customer,
)

THREE_DAYS = timedelta(days=3)


async def test_a_visit_is_recorded_published_and_schedules_a_call_due_in_3_days(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    visit = await record_visit(
        support_client, visited_at="2026-12-07T08:00:00Z", notes="squeaky hinge"
    )
    assert (visit["kind"], visit["staff"], visit["notes"]) == ("repair", "tech-1", "squeaky hinge")

    [event] = await outbox_events(support_app, "visit_recorded")
    assert event.key == CUSTOMER
    assert event.payload.model_dump(include={"visit_id", "kind", "staff"}) == {
        "visit_id": visit["id"],
        "kind": "repair",
        "staff": "tech-1",
    }
    assert "squeaky" not in event.envelope.to_json().decode()  # notes never travel

    [call] = await follow_up_calls(support_client, owner="tech-1")
    assert (call["reason"], call["source_id"], call["state"]) == ("visit", visit["id"], "open")
    assert call["due_at"] == (START + THREE_DAYS).isoformat().replace("+00:00", "Z")

    read_back = await support_client.get(f"/v1/visits/{visit['id']}")
    assert read_back.json() == visit
    listed = await support_client.get("/v1/visits", params={"customer_id": CUSTOMER})
    assert [item["id"] for item in listed.json()["items"]] == [visit["id"]]


async def test_a_visit_without_staff_is_the_service_desks_call(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    response = await support_client.post(
        "/v1/visits", json={"customer_id": CUSTOMER, "kind": "consultation"}
    )
    assert response.status_code == 201, response.text
    [call] = await follow_up_calls(support_client)
    assert call["owner"] == "service-desk"


async def test_a_visit_of_an_unknown_customer_or_in_the_future_is_refused(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    unknown = await support_client.post(
        "/v1/visits", json={"customer_id": uid("nobody"), "kind": "service"}
    )
    assert_problem(unknown, 422)
    await seed_customer(support_app)
    future = await support_client.post(
        "/v1/visits",
        json={"customer_id": CUSTOMER, "kind": "service", "visited_at": "2026-12-08T09:00:00Z"},
    )
    assert_problem(future, 422)
    assert await follow_up_calls(support_client) == []
    assert (await support_client.get(f"/v1/visits/{uid('nothing')}")).status_code == 404


async def test_the_due_timer_says_once_that_the_call_is_due(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    await record_visit(support_client)
    await pass_time(support_app, clock, THREE_DAYS - timedelta(minutes=1))
    assert await outbox_events(support_app, "follow_up_call_due") == []
    assert await follow_up_calls(support_client, due="today")  # due later today

    await pass_time(support_app, clock, timedelta(minutes=1))
    await pass_time(support_app, clock, timedelta(days=5))
    [event] = await outbox_events(support_app, "follow_up_call_due")
    [call] = await follow_up_calls(support_client, due="overdue")
    assert (event.payload.call_id, event.payload.owner) == (call["id"], "tech-1")
    assert await follow_up_calls(support_client, due="overdue", state="done") == []


async def test_a_call_done_in_time_cancels_its_due_timer(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    await record_visit(support_client)
    [call] = await follow_up_calls(support_client)
    clock.advance(timedelta(days=1))
    done = await call_outcome(
        support_client,
        call["id"],
        problem_fixed=True,
        questions_answered=True,
        next_service_date="2027-06-01",
        lead_spotted=True,
        satisfied=True,
        note="wants the premium plan",
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "done"
    assert done.json()["complaint_ticket_id"] is None

    await pass_time(support_app, clock, timedelta(days=5))
    assert await outbox_events(support_app, "follow_up_call_due") == []
    [event] = await outbox_events(support_app, "follow_up_call_done")
    assert event.payload.lead_spotted is True
    assert str(event.payload.next_service_date) == "2027-06-01"
    assert "premium" not in event.envelope.to_json().decode()
    assert await follow_up_calls(support_client, due="overdue") == []

    again = await call_outcome(support_client, call["id"], satisfied=False)
    assert_problem(again, 409)


async def test_not_fixed_opens_a_service_quality_complaint_at_once(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    await record_visit(support_client)
    [call] = await follow_up_calls(support_client)
    done = await call_outcome(support_client, call["id"], problem_fixed=False)
    assert done.status_code == 200, done.text
    ticket_id = done.json()["complaint_ticket_id"]
    ticket = await read(support_client, ticket_id)
    assert (ticket["kind"], ticket["category"], ticket["channel"]) == (
        "complaint",
        "service_quality",
        "phone",
    )
    assert (ticket["owner"], ticket["customer_id"]) == ("tech-1", CUSTOMER)
    assert call["id"] in ticket["description"]
    [event] = await outbox_events(support_app, "follow_up_call_done")
    assert (event.payload.problem_fixed, event.payload.complaint_ticket_id) == (False, ticket_id)


async def test_an_order_schedules_one_call_however_often_it_arrives(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    placed = order_placed_event(uid("order-1"))
    await deliver_events(support_app, placed)
    await deliver_events(support_app, placed.model_copy())  # redelivered: a new envelope
    [call] = await follow_up_calls(support_client)
    assert (call["reason"], call["source_id"], call["owner"]) == (
        "order",
        uid("order-1"),
        "seller-1",
    )
    assert call["customer_id"] == CUSTOMER

    await deliver_events(support_app, order_placed_event(uid("order-2"), owner=None))
    calls = await follow_up_calls(support_client, owner="service-desk")
    assert [c["source_id"] for c in calls] == [uid("order-2")]


async def test_no_call_after_an_order_when_the_setting_is_off(
    support_app: FastAPI, support_client: httpx.AsyncClient, support_settings: SupportSettings
) -> None:
    await seed_customer(support_app)
    settings = support_settings.model_copy(update={"follow_up_after_orders": False})
    await deliver(
        support_app.state.runtime.unit_of_work,
        handlers_for(settings),
        deliveries_of(order_placed_event(uid("order-1"))),
    )
    assert await follow_up_calls(support_client) == []


async def test_no_call_for_imported_history_nor_a_sale_whose_window_has_passed(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    imported = order_placed_event(uid("order-1"), source="import")
    long_ago = order_placed_event(uid("order-2"), ordered_at=START - timedelta(days=4))
    recent = order_placed_event(uid("order-3"), ordered_at=START - timedelta(days=2))
    await deliver_events(support_app, imported, long_ago, recent)
    assert [call["source_id"] for call in await follow_up_calls(support_client)] == [uid("order-3")]


async def test_a_retried_visit_with_its_idempotency_key_is_recorded_once(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    body = {"customer_id": CUSTOMER, "kind": "service"}
    headers = {"Idempotency-Key": "visit-1"}
    first = await support_client.post("/v1/visits", json=body, headers=headers)
    again = await support_client.post("/v1/visits", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert len(await follow_up_calls(support_client)) == 1


async def test_visits_and_calls_come_in_pages(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    recorded = []
    for _ in range(3):
        recorded.append((await record_visit(support_client))["id"])
        clock.advance(timedelta(minutes=5))
    for path in ("/v1/visits", "/v1/follow-up-calls"):
        seen: list[str] = []
        cursor = ""
        while True:
            page = (await support_client.get(path, params={"limit": 2, "cursor": cursor})).json()
            seen += [
                item["id"] if path == "/v1/visits" else item["source_id"] for item in page["items"]
            ]
            if page["next_cursor"] is None:
                break
            cursor = page["next_cursor"]
        assert seen == recorded

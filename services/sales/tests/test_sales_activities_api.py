"""Activities over HTTP, on a FakeClock: schedule, list ("my overdue and today's" in the
caller's time zone), change, complete (the lead's engagement and score go up), and the
reminder timer: it fires at the due time (less the lead minutes) once, moves with the due
time, and never fires for a done activity."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from crm_sales.settings import SalesSettings
from crm_shared.clock import FakeClock
from crm_shared.testing import assert_problem, bearer, outbox_events, token_for
from fastapi import FastAPI

from services.sales.tests.sales_builders_leads import create_activity, create_lead
from services.sales.tests.sales_builders_leads import quiet_timer_worker as quiet_timer_worker

NOW = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)  # a Monday, 23:30 in Berlin
pytestmark = pytest.mark.usefixtures("quiet_timer_worker")
ANN = bearer(token_for("sales", subject="ann"))
BOB = bearer(token_for("sales", subject="bob"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def sales_settings(sales_database_url: str, tmp_path: Any) -> SalesSettings:
    return SalesSettings(
        database_url=sales_database_url, data_dir=tmp_path, reminder_lead_minutes=15
    )


def at(**delta: float) -> str:
    return (NOW + timedelta(**delta)).isoformat()


async def fire(app: FastAPI) -> int:
    fired: int = await app.state.runtime.timers.fire_due()
    return fired


async def due_events(app: FastAPI) -> list[str]:
    return [event.payload.activity.id for event in await outbox_events(app, "activity_due")]


async def test_create_answers_the_contract(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    lead = await create_lead(sales_client, owner=None)
    response = await sales_client.post(
        "/v1/activities",
        json={
            "kind": "call",
            "subject": "Intro call",
            "due_at": at(hours=2),
            "lead_id": lead["id"],
        },
        headers=ANN,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["owner"], body["done"], body["lead_id"]) == ("ann", False, lead["id"])
    assert response.headers["etag"] == '"1"'
    scheduled = await outbox_events(sales_app, "activity_scheduled")
    assert [event.key for event in scheduled] == [body["id"]]


async def test_links_are_checked(sales_client: httpx.AsyncClient) -> None:
    alone = await sales_client.post("/v1/activities", json={"kind": "visit", "subject": "Visit"})
    assert_problem(alone, 422, contains="only a task may stand alone")
    await create_activity(sales_client, kind="task", subject="Prepare the fair")
    ghost = await sales_client.post(
        "/v1/activities",
        json={"kind": "call", "subject": "X", "lead_id": "3f2b8a9e-2c7d-4f1e-9b6a-1c2d3e4f5a6b"},
    )
    assert_problem(ghost, 422, contains="does not exist")
    bad_kind = await sales_client.post("/v1/activities", json={"kind": "lunch", "subject": "X"})
    assert_problem(bad_kind, 422)
    others = await sales_client.post(
        "/v1/activities", json={"kind": "task", "subject": "X", "owner": "bob"}, headers=ANN
    )
    assert_problem(others, 403)


async def test_the_reminder_fires_once_before_the_due_time(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    assert sales_app.state.runtime.definition.timer_settings.poll_seconds == 3600
    task = await create_activity(sales_client, due_at=at(hours=1))
    clock.advance(minutes=44)
    assert await fire(sales_app) == 0
    clock.advance(minutes=1)  # 15 minutes before it is due
    await fire(sales_app)
    assert await due_events(sales_app) == [task["id"]]
    due = (await outbox_events(sales_app, "activity_due"))[0].payload
    assert due.due_at == NOW + timedelta(hours=1)
    clock.advance(hours=2)
    await fire(sales_app)
    assert await due_events(sales_app) == [task["id"]]


async def test_the_reminder_moves_with_the_due_time_and_stops_when_done(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    moved = await create_activity(sales_client, subject="Moved", due_at=at(hours=1))
    undated = await create_activity(sales_client, subject="Undated", due_at=at(hours=1))
    cleared = await sales_client.patch(
        f"/v1/activities/{undated['id']}", json={"due_at": None}, headers={"If-Match": '"1"'}
    )
    assert cleared.status_code == 200, cleared.text
    done = await create_activity(sales_client, subject="Done", due_at=at(hours=1))
    response = await sales_client.patch(
        f"/v1/activities/{moved['id']}", json={"due_at": at(hours=5)}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    completed = await sales_client.post(
        f"/v1/activities/{done['id']}/complete",
        json={"outcome": "sorted"},
        headers={"If-Match": '"1"'},
    )
    assert completed.status_code == 200, completed.text
    assert (completed.json()["done"], completed.json()["outcome"]) == (True, "sorted")
    clock.advance(hours=2)
    await fire(sales_app)
    assert await due_events(sales_app) == []
    clock.advance(hours=3)
    await fire(sales_app)
    assert await due_events(sales_app) == [moved["id"]]

    again = await sales_client.post(
        f"/v1/activities/{done['id']}/complete", json={}, headers={"If-Match": "*"}
    )
    assert_problem(again, 409, contains="done")
    edit = await sales_client.patch(
        f"/v1/activities/{done['id']}", json={"subject": "X"}, headers={"If-Match": "*"}
    )
    assert_problem(edit, 409)
    assert [
        e.payload.activity.id for e in await outbox_events(sales_app, "activity_completed")
    ] == [done["id"]]


async def test_completing_a_leads_activity_rescores_the_lead(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    lead = await create_lead(sales_client, owner=None)
    for subject in ("Call", "Visit"):
        activity = await create_activity(
            sales_client, kind="call", subject=subject, lead_id=lead["id"]
        )
        response = await sales_client.post(
            f"/v1/activities/{activity['id']}/complete", json={}, headers={"If-Match": '"1"'}
        )
        assert response.status_code == 200, response.text
    scored = (await sales_client.get(f"/v1/leads/{lead['id']}")).json()
    assert (scored["activities_done"], scored["score"]) == (2, 10)
    assert scored["score_reasons"] == [
        {"rule": "activities", "points": 10, "detail": "2 activities done"}
    ]
    changed = await outbox_events(sales_app, "lead_changed")
    assert changed[-1].payload.changed_fields == ["activities_done", "score", "score_reasons"]


async def test_mine_lists_my_overdue_and_todays_in_my_zone(
    sales_client: httpx.AsyncClient,
) -> None:
    overdue = await create_activity(
        sales_client, subject="Overdue", owner="ann", due_at=at(days=-2)
    )
    late_today = await create_activity(sales_client, subject="Now", owner="ann", due_at=at(hours=1))
    await create_activity(sales_client, subject="Tomorrow", owner="ann", due_at=at(hours=2))
    await create_activity(sales_client, subject="Bob's", owner="bob", due_at=at(hours=-1))
    await create_activity(sales_client, subject="Undated", owner="ann")

    async def mine(**query: Any) -> list[str]:
        response = await sales_client.get("/v1/activities/mine", params=query, headers=ANN)
        assert response.status_code == 200, response.text
        return [item["subject"] for item in response.json()["items"]]

    # 22:30 UTC: "today" in UTC ends at midnight, 1.5 hours from now.
    assert await mine() == ["Overdue", "Now"]
    # 23:30 in Berlin: today ends in 30 minutes, so only the overdue one.
    assert await mine(tz="Europe/Berlin") == ["Overdue"]
    # 14:30 in Los Angeles: both later ones are today there.
    assert await mine(tz="America/Los_Angeles") == ["Overdue", "Now", "Tomorrow"]
    assert_problem(await sales_client.get("/v1/activities/mine", params={"tz": "Mars/Base"}), 422)

    async def listed(**query: Any) -> list[str]:
        response = await sales_client.get("/v1/activities", params=query)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await listed(owner="ann", due="overdue") == [overdue["id"]]
    assert await listed(owner="ann", due="today") == [late_today["id"]]  # not 00:30 tomorrow
    page = await sales_client.get("/v1/activities", params={"owner": "ann", "limit": 2})
    rest = await sales_client.get(
        "/v1/activities", params={"owner": "ann", "limit": 2, "cursor": page.json()["next_cursor"]}
    )
    assert len(page.json()["items"]) + len(rest.json()["items"]) == 4
    hidden = await sales_client.get(f"/v1/activities/{overdue['id']}", headers=BOB)
    assert_problem(hidden, 404)

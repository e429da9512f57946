"""Working a corrective action to done: who may, the allowed moves, the notes they need."""

from datetime import timedelta
from typing import Any

import httpx
from crm_shared.testing import assert_problem, bearer, outbox_events, token_for
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI

from services.support.tests.support_builders import START, insert_surveys

AGENT = as_subject("agent-1", "support")
ANALYST = bearer(token_for("analyst"))


def at(action_id: str) -> str:
    return f"/v1/corrective-actions/{action_id}"


async def opened_action(app: FastAPI, client: httpx.AsyncClient) -> dict[str, Any]:
    await insert_surveys(app, "delivery", {"speed": [2] * 5}, answered_at=START - timedelta(1))
    response = await client.post("/v1/corrective-actions/review")
    [action] = response.json()["opened"]
    assert isinstance(action, dict)
    return action


async def change(client: httpx.AsyncClient, action: dict[str, Any], **body: Any) -> httpx.Response:
    return await client.patch(
        at(action["id"]), json=body, headers={**AGENT, "If-Match": f'"{action["version"]}"'}
    )


async def test_the_department_works_an_action_to_done(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    action = await opened_action(support_app, support_client)
    planned = await change(
        support_client, action, owner="lead-delivery", due_date="2027-01-15",
        plan="Second courier for the north", state="in_progress",
    )  # fmt: skip
    assert planned.status_code == 200, planned.text
    assert planned.headers["ETag"] == '"2"'
    action = planned.json()
    assert (action["state"], action["owner"], action["due_date"]) == (
        "in_progress", "lead-delivery", "2027-01-15",
    )  # fmt: skip

    refused = await change(support_client, action, state="done")
    assert_problem(refused, 422, contains="resolution")
    done = await change(support_client, action, state="done", resolution="Two couriers now")
    assert done.status_code == 200, done.text
    assert done.json()["closed_at"] == "2026-12-07T09:00:00Z"

    events = await outbox_events(support_app, "corrective_action_changed")
    assert [event.payload.from_state for event in events] == ["open", "in_progress"]
    assert events[0].payload.changed_fields == ["due_date", "owner", "plan", "state"]
    assert events[-1].payload.action.state == "done"
    assert events[-1].payload.action.version == 3

    read = await support_client.get(at(action["id"]), headers=ANALYST)
    assert read.status_code == 200
    assert read.headers["ETag"] == '"3"'
    assert read.json()["resolution"] == "Two couriers now"
    done_list = await support_client.get(
        "/v1/corrective-actions", params={"department": "delivery", "state": "done"}
    )
    assert [item["id"] for item in done_list.json()["items"]] == [action["id"]]
    other = await support_client.get("/v1/corrective-actions", params={"department": "billing"})
    assert other.json()["items"] == []


async def test_illegal_moves_are_409_with_the_allowed_ones(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    action = await opened_action(support_app, support_client)
    skipped = await change(support_client, action, state="done", resolution="Fixed")
    problem = assert_problem(skipped, 409, contains="allowed")
    assert problem["allowed"] == ["in_progress", "dismissed"]

    reason = await change(support_client, action, state="dismissed")
    assert_problem(reason, 422, contains="dismissal reason")
    dismissed = await change(support_client, action, state="dismissed", dismissal_reason="Noise")
    assert dismissed.status_code == 200, dismissed.text
    closed = await change(support_client, dismissed.json(), owner="someone")
    assert_problem(closed, 409, contains="dismissed")
    reopened = await change(support_client, dismissed.json(), state="open")
    assert_problem(reopened, 409)


async def test_changes_need_the_version_read_and_the_right_permission(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    action = await opened_action(support_app, support_client)
    url = at(action["id"])
    assert_problem(await support_client.patch(url, json={"owner": "x"}, headers=AGENT), 428)
    stale = await support_client.patch(
        url, json={"owner": "x"}, headers={**AGENT, "If-Match": '"7"'}
    )
    assert_problem(stale, 412)
    analyst = await support_client.patch(
        url, json={"owner": "x"}, headers={**ANALYST, "If-Match": '"1"'}
    )
    assert analyst.status_code == 403
    # Reviewing opens actions for others to work: a manager's.
    assert (
        await support_client.post("/v1/corrective-actions/review", headers=AGENT)
    ).status_code == 403
    unchanged = await change(support_client, action, owner=None)
    assert unchanged.status_code == 200
    assert unchanged.json()["version"] == 1
    assert await outbox_events(support_app, "corrective_action_changed") == []
    missing = await support_client.get(at("00000000-0000-0000-0000-000000000000"))
    assert_problem(missing, 404)

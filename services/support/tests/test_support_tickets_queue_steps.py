"""The ticket's next steps (``allowed_actions``, read off the flow) and the queue's read
options a desk needs: by priority, by the owner's team, by a target's state now."""

from datetime import timedelta
from typing import Any

import httpx
from crm_shared.clock import FakeClock
from fastapi import FastAPI

from services.support.tests.support_builders import (
    move,
    moved,
    open_ticket,
    pass_time,
    read,
    seed_customer,
    seed_team,
)

ALWAYS = ["reply", "note", "hand_over", "escalate", "promise_reply"]


def steps(ticket: dict[str, Any]) -> list[str]:
    return [step["action"] for step in ticket["allowed_actions"]]


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_a_new_complaint_allows_acknowledging_and_waiting(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    assert steps(ticket) == ["acknowledge", "wait_on_customer", *ALWAYS]
    acknowledge = ticket["allowed_actions"][0]
    assert acknowledge == {
        "action": "acknowledge",
        "endpoint": "transitions",
        "to": "acknowledged",
        "needs": [],
    }
    reply = ticket["allowed_actions"][2]
    assert reply["endpoint"] == "contacts"
    assert reply["needs"] == ["direction", "channel", "summary"]


async def test_every_listed_move_is_one_the_flow_accepts(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client, kind="inquiry")
    answered = await moved(support_client, ticket["id"], "acknowledged")
    assert steps(answered)[:3] == ["investigate", "resolve", "wait_on_customer"]
    for step in answered["allowed_actions"]:
        if step["endpoint"] == "transitions":
            assert step["to"] in ("investigating", "resolved", "waiting_on_customer")
    refused = await move(support_client, ticket["id"], "closed")
    assert refused.status_code == 409
    assert set(refused.json()["allowed"]) == {
        step["to"] for step in answered["allowed_actions"] if step["to"]
    }


async def test_waiting_on_the_customer_allows_only_resuming_where_it_was(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    waiting = await moved(support_client, ticket["id"], "acknowledged", "waiting_on_customer")
    assert waiting["allowed_actions"][0] == {
        "action": "resume",
        "endpoint": "transitions",
        "to": "acknowledged",
        "needs": [],
    }
    assert steps(waiting) == ["resume", *ALWAYS]


async def test_a_major_complaint_closes_with_its_lessons_and_a_closed_one_takes_no_promise(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client, intensity="high")
    assert ticket["major"] is True
    path = [
        "acknowledged",
        "investigating",
        "responsibility_determined",
        "resolution_proposed",
        "accepted",
        "resolved",
        "follow_up_done",
    ]
    done = await moved(support_client, ticket["id"], *path)
    close = next(step for step in done["allowed_actions"] if step["action"] == "close")
    assert close["needs"] == ["lessons_learned"]
    response = await move(support_client, ticket["id"], "closed", lessons_learned="test early")
    assert response.status_code == 200, response.text
    closed = await read(support_client, ticket["id"])
    assert steps(closed) == ["reopen", "reply", "note", "hand_over", "escalate"]


async def test_the_queue_filters_by_priority_and_by_the_owners_team(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    await seed_team(support_app, "team-a", "boss-a", "agent-1", "agent-2")
    await seed_team(support_app, "team-b", "boss-b", "agent-3")
    urgent = await open_ticket(support_client, priority="urgent")
    normal = await open_ticket(support_client, received_by="agent-2")
    other = await open_ticket(support_client, received_by="agent-3", priority="urgent")

    by_priority = await support_client.get("/v1/tickets", params={"priority": "urgent"})
    assert set(ids(by_priority)) == {urgent["id"], other["id"]}
    team_a = await support_client.get("/v1/tickets", params={"team": "team-a"})
    assert ids(team_a) == [urgent["id"], normal["id"]]  # the queue's order: nearest due first
    both = await support_client.get("/v1/tickets", params={"team": "team-b", "priority": "urgent"})
    assert ids(both) == [other["id"]]
    assert ids(await support_client.get("/v1/tickets", params={"team": "nobody"})) == []


async def test_the_queue_filters_by_a_targets_state_as_shown_now(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    first = await open_ticket(support_client)
    acknowledged = await open_ticket(support_client)
    await moved(support_client, acknowledged["id"], "acknowledged")

    met = await support_client.get("/v1/tickets", params={"target_state": "met"})
    assert ids(met) == [acknowledged["id"]]
    running = await support_client.get("/v1/tickets", params={"target_state": "running"})
    assert set(ids(running)) == {first["id"], acknowledged["id"]}  # both still have a proposal

    # 80 % of first_contact's two hours: the first ticket's first contact is at risk.
    await pass_time(support_app, clock, timedelta(minutes=100))
    at_risk = await support_client.get("/v1/tickets", params={"target_state": "at_risk"})
    assert ids(at_risk) == [first["id"]]
    assert (await read(support_client, first["id"]))["targets"][0]["state"] == "at_risk"
    refused = await support_client.get("/v1/tickets", params={"target_state": "late"})
    assert refused.status_code == 422

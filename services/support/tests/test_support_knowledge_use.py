"""/v1/tickets/{id}/answers and /suggested-answers: agents use and rate standard answers on
tickets, and are offered the best ones of the ticket's category."""

from typing import Any

import httpx
from crm_shared.testing import assert_problem, bearer, token_for
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI

from services.support.tests.support_builders import (
    history_kinds,
    insert_ticket,
    open_ticket,
    seed_customer,
    use_answer,
    write_answer,
)

AGENT = as_subject("agent-1", "support")


async def inquiry(app: FastAPI, **fields: Any) -> str:
    return await insert_ticket(app, kind="inquiry", category="billing", **fields)


async def suggested(client: httpx.AsyncClient, ticket_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/tickets/{ticket_id}/suggested-answers", headers=bearer(token_for("analyst"))
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_agent_uses_an_answer_once_and_then_rates_it(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client, kind="inquiry", category="billing")
    answer = await write_answer(support_client)
    used = await support_client.post(
        f"/v1/tickets/{ticket['id']}/answers",
        json={"answer_id": answer["id"], "helpful": True},
        headers=AGENT,
    )
    assert used.status_code == 201, used.text
    assert used.json() == {
        "ticket_id": ticket["id"],
        "answer_id": answer["id"],
        "used_by": "agent-1",
        "used_at": "2026-12-07T09:00:00Z",
        "rating": None,
        "helpful": True,
        "rated_at": "2026-12-07T09:00:00Z",
    }
    [entry] = await history_kinds(support_app, ticket["id"], "answer_used")
    assert entry.actor == "agent-1"
    assert entry.details == {"answer_id": answer["id"], "helpful": True}
    assert entry.text is None  # a use keeps no free text

    rated = await use_answer(support_client, ticket["id"], answer["id"], rating=4)
    assert rated.status_code == 200, rated.text
    assert (rated.json()["rating"], rated.json()["helpful"]) == (4, True)  # helpful kept
    assert rated.json()["used_by"] == "agent-1"  # still the first use
    [change] = await history_kinds(support_app, ticket["id"], "answer_rated")
    assert change.details == {"answer_id": answer["id"], "rating": 4, "helpful": True}
    same = await use_answer(support_client, ticket["id"], answer["id"], rating=4)
    assert same.status_code == 200
    assert len(await history_kinds(support_app, ticket["id"], "answer_rated")) == 1


async def test_what_cannot_be_used(support_app: FastAPI, support_client: httpx.AsyncClient) -> None:
    ticket_id = await inquiry(support_app)
    answer = await write_answer(support_client)
    unknown = await use_answer(support_client, ticket_id, "00000000-0000-0000-0000-000000000001")
    assert assert_problem(unknown, 422)["type"].endswith("/unknown-reference")
    no_ticket = await use_answer(
        support_client, "00000000-0000-0000-0000-000000000002", answer["id"]
    )
    assert_problem(no_ticket, 404)
    assert_problem(await use_answer(support_client, ticket_id, answer["id"], rating=6), 422)
    refused = await support_client.post(
        f"/v1/tickets/{ticket_id}/answers",
        json={"answer_id": answer["id"]},
        headers=bearer(token_for("analyst")),
    )
    assert_problem(refused, 403)

    assert (await use_answer(support_client, ticket_id, answer["id"])).status_code == 201
    retire = await support_client.post(
        f"/v1/knowledge/answers/{answer['id']}/retire", headers={"If-Match": '"1"'}
    )
    assert retire.status_code == 200
    other_ticket = await inquiry(support_app)
    retired = await use_answer(support_client, other_ticket, answer["id"])
    assert_problem(retired, 409, contains="retired")
    # A use recorded before it was retired may still be rated.
    assert (await use_answer(support_client, ticket_id, answer["id"], rating=2)).status_code == 200


async def test_suggestions_put_the_cause_then_the_best_rated_first(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    general = await write_answer(support_client, title="General")
    well_rated = await write_answer(support_client, title="Well rated")
    often_used = await write_answer(support_client, title="Often used")
    await write_answer(support_client, title="Own cause", cause="price_regret")
    retired = await write_answer(support_client, title="Retired")
    await write_answer(support_client, title="Elsewhere", category="delivery")
    await support_client.post(
        f"/v1/knowledge/answers/{retired['id']}/retire", headers={"If-Match": '"1"'}
    )
    for rating, answer in ((5, well_rated), (3, often_used), (3, often_used), (None, general)):
        ticket_id = await inquiry(support_app)
        response = await use_answer(support_client, ticket_id, answer["id"], rating=rating)
        assert response.status_code == 201, response.text
    # Often used twice at 3, well rated once at 5, general used once without a rating.

    ticket_id = await inquiry(support_app, cause="price_regret")
    await use_answer(support_client, ticket_id, general["id"])
    items = await suggested(support_client, ticket_id)
    assert [item["title"] for item in items] == ["Own cause", "Well rated", "Often used", "General"]
    assert items[1]["mean_rating"] == 5.0
    assert items[1]["uses"] == 1
    assert (items[2]["uses"], items[2]["ratings"], items[2]["mean_rating"]) == (2, 2, 3.0)
    assert (items[3]["uses"], items[3]["mean_rating"]) == (2, None)
    assert [item["used_on_ticket"] for item in items] == [False, False, False, True]
    assert items[0]["cause"] == "price_regret"
    assert items[0]["body"]

    without_cause = await inquiry(support_app)
    titles = [item["title"] for item in await suggested(support_client, without_cause)]
    assert titles == ["Well rated", "Often used", "General", "Own cause"]  # unrated: by uses
    missing = await support_client.get(
        "/v1/tickets/00000000-0000-0000-0000-000000000003/suggested-answers"
    )
    assert_problem(missing, 404)

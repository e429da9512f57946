"""/v1/tickets/{id}/recoveries: service recovery within the approver's limits."""

import httpx
from crm_shared.testing import assert_problem, bearer, outbox_events, token_for
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI

from services.support.tests.support_builders import history_kinds, insert_ticket

AGENT = as_subject("agent-1", "support")  # limit 200 per ticket by default


def recoveries(ticket_id: str) -> str:
    return f"/v1/tickets/{ticket_id}/recoveries"


async def test_a_recovery_within_the_limit_is_recorded_and_published(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app, currency="USD")
    response = await support_client.post(
        recoveries(ticket_id),
        json={"kind": "voucher", "cost": "150", "description": "Voucher for the next order"},
        headers={**AGENT, "Idempotency-Key": "r-1"},
    )
    assert response.status_code == 201, response.text
    recovery = response.json()
    assert recovery["cost"] == "150.00"
    assert recovery["currency"] == "USD"  # the ticket's
    assert recovery["approved_by"] == "agent-1"
    assert recovery["over_limit"] is False
    assert recovery["recorded_at"] == "2026-12-07T09:00:00Z"
    retry = await support_client.post(
        recoveries(ticket_id),
        json={"kind": "voucher", "cost": "150", "description": "Voucher for the next order"},
        headers={**AGENT, "Idempotency-Key": "r-1"},
    )
    assert retry.json()["id"] == recovery["id"]

    [event] = await outbox_events(support_app, "recovery_recorded")
    assert event.key == recovery["customer_id"]
    assert str(event.payload.cost) == "150.00"
    assert event.payload.kind == "voucher"
    [entry] = await history_kinds(support_app, ticket_id, "recovery")
    assert (entry.kind, entry.actor) == ("recovery", "agent-1")
    assert entry.details["cost"] == "150.00"

    listed = await support_client.get(recoveries(ticket_id), headers=bearer(token_for("analyst")))
    assert listed.status_code == 200
    assert listed.json()["totals"] == {"USD": "150.00"}
    assert [item["id"] for item in listed.json()["items"]] == [recovery["id"]]


async def test_an_agent_over_the_role_limit_is_refused(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app)
    first = await support_client.post(
        recoveries(ticket_id), json={"kind": "discount", "cost": "120"}, headers=AGENT
    )
    assert first.status_code == 201, first.text
    assert first.json()["currency"] == "EUR"  # no currency on the ticket: the default
    response = await support_client.post(
        recoveries(ticket_id), json={"kind": "gift", "cost": "80.01"}, headers=AGENT
    )
    body = assert_problem(response, 403, contains="200.01 EUR in all")
    assert body["type"].endswith("/recovery-over-limit")
    assert (body["limit"], body["amount"]) == ("200", "200.01")
    assert len(await outbox_events(support_app, "recovery_recorded")) == 1


async def test_managers_may_exceed_the_limits_and_it_is_recorded(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app, actual_loss="300.00", manager="boss")
    team_manager = bearer(token_for("support", subject="lead-1", manages=["team-1"]))
    for headers, cost, over in (
        (team_manager, "250", True),  # over the support role's 200
        (support_client.headers, "40", False),  # an admin (no limit): 290, under the loss
        (support_client.headers, "20", True),  # 310: over the actual loss
        (as_subject("boss", "support"), "1", True),  # the ticket's own manager
    ):
        response = await support_client.post(
            recoveries(ticket_id), json={"kind": "refund", "cost": cost}, headers=headers
        )
        assert response.status_code == 201, response.text
        assert response.json()["over_limit"] is over
    listed = await support_client.get(recoveries(ticket_id))
    assert listed.json()["totals"] == {"EUR": "311.00"}


async def test_an_agent_cannot_pass_the_customers_actual_loss(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app, actual_loss="50.00", currency="EUR")
    response = await support_client.post(
        recoveries(ticket_id), json={"kind": "refund", "cost": "60"}, headers=AGENT
    )
    body = assert_problem(response, 403, contains="actual loss")
    assert body["limit"] == "50.00"


async def test_a_role_without_a_limit_may_not_approve(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app)
    partner = bearer(token_for(client_id="helpdesk", scopes=("support:write",)))
    response = await support_client.post(
        recoveries(ticket_id), json={"kind": "gift", "cost": "5"}, headers=partner
    )
    body = assert_problem(response, 403, contains="may not approve")
    assert body["type"].endswith("/recovery-not-allowed")


async def test_currencies_are_never_mixed(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app)
    first = await support_client.post(
        recoveries(ticket_id), json={"kind": "gift", "cost": "10", "currency": "GBP"}
    )
    assert first.status_code == 201, first.text
    response = await support_client.post(
        recoveries(ticket_id), json={"kind": "gift", "cost": "10", "currency": "EUR"}
    )
    body = assert_problem(response, 422, contains="in GBP")
    assert body["type"].endswith("/currency-mismatch")


async def test_bad_input_is_refused(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app)
    for body in (
        {"kind": "hug", "cost": "10"},
        {"kind": "gift", "cost": "0"},
        {"kind": "gift", "cost": "10", "currency": "XYZ"},
    ):
        assert_problem(await support_client.post(recoveries(ticket_id), json=body), 422)
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(
        await support_client.post(recoveries(missing), json={"kind": "gift", "cost": "1"}), 404
    )
    assert_problem(await support_client.get(recoveries(missing)), 404)

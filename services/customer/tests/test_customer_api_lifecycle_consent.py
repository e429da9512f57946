"""Lifecycle stages and consent over HTTP: the rules, the audit trail and the events."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from crm_shared.contracts.customer import CustomerConsentChanged, CustomerLifecycleChanged
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import (
    assert_problem,
    create_customer,
    events_of,
)

# --- lifecycle ------------------------------------------------------------------------------


async def test_stage_changes_are_recorded_and_published(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    customer = await create_customer(customer_client)
    url = f"/v1/customers/{customer['id']}/lifecycle"
    headers = {"X-Actor": "maria"}
    moves = [
        ("prospect", "asked for a quote"),
        ("customer", "first order"),
        ("lost", "no order for 14 months"),
        ("customer", "won back"),
    ]
    for stage, reason in moves:
        response = await customer_client.post(
            url, json={"stage": stage, "reason": reason}, headers=headers
        )
        assert response.status_code == 200, response.text
    body = response.json()
    assert body["stage"] == "customer"
    assert body["relationship_phase"] == "recovery"
    assert body["allowed_next"] == ["lost"]
    assert response.headers["etag"] == f'"{body["version"]}"'
    transitions = [(h["from_stage"], h["to_stage"], h["transition"]) for h in body["history"]]
    assert transitions == [
        (None, "potential", "created"),
        ("potential", "prospect", "engaged"),
        ("prospect", "customer", "converted"),
        ("customer", "lost", "lost"),
        ("lost", "customer", "recovered"),
    ]
    assert body["history"][-1]["changed_by"] == "maria"
    assert body["history"][-1]["reason"] == "won back"

    events = await events_of(customer_app, "lifecycle_changed")
    changes = [e for e in events if isinstance(e, CustomerLifecycleChanged)]
    assert [(e.from_stage, e.to_stage) for e in changes] == [
        ("potential", "prospect"),
        ("prospect", "customer"),
        ("customer", "lost"),
        ("lost", "customer"),
    ]
    assert [e.customer_version for e in events] == [2, 3, 4, 5]
    assert events[-1].changed_by == "maria"

    history = await customer_client.get(url)
    assert history.status_code == 200
    assert history.json() == body
    current = await customer_client.get(f"/v1/customers/{customer['id']}")
    assert current.json()["lifecycle_stage"] == "customer"


async def test_refused_stage_changes(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    customer = await create_customer(customer_client)
    url = f"/v1/customers/{customer['id']}/lifecycle"
    refused = await customer_client.post(url, json={"stage": "lost", "reason": "x"})
    problem = assert_problem(refused, 409, contains="allowed from potential: prospect, customer")
    assert problem["allowed"] == ["prospect", "customer"]
    same = await customer_client.post(url, json={"stage": "potential", "reason": "x"})
    assert_problem(same, 409, contains="already")
    assert_problem(await customer_client.post(url, json={"stage": "prospect"}), 422)  # no reason
    assert_problem(await customer_client.post(url, json={"stage": "happy", "reason": "x"}), 422)
    stale = await customer_client.post(
        url, json={"stage": "prospect", "reason": "x"}, headers={"If-Match": '"9"'}
    )
    assert_problem(stale, 412)
    unknown = f"/v1/customers/{uuid.uuid4()}/lifecycle"
    assert_problem(
        await customer_client.post(unknown, json={"stage": "prospect", "reason": "x"}), 404
    )
    assert_problem(await customer_client.get(unknown), 404)
    assert await events_of(customer_app, "lifecycle_changed") == []


async def test_a_new_customer_may_start_in_any_stage(customer_client: httpx.AsyncClient) -> None:
    lost = await create_customer(customer_client, lifecycle_stage="lost")
    history = (await customer_client.get(f"/v1/customers/{lost['id']}/lifecycle")).json()
    assert history["allowed_next"] == ["prospect", "customer"]
    assert history["history"][0]["transition"] == "created"


async def test_lifecycle_post_honours_idempotency_key(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    customer = await create_customer(customer_client)
    url = f"/v1/customers/{customer['id']}/lifecycle"
    headers = {"Idempotency-Key": "stage-1"}
    body = {"stage": "prospect", "reason": "demo booked"}
    first = await customer_client.post(url, json=body, headers=headers)
    again = await customer_client.post(url, json=body, headers=headers)
    assert again.status_code == first.status_code == 200
    assert again.headers["idempotency-replayed"] == "true"
    assert len(await events_of(customer_app, "lifecycle_changed")) == 1


# --- consent --------------------------------------------------------------------------------


async def test_consent_grant_and_withdrawal_keep_history_and_publish(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    customer = await create_customer(customer_client)
    url = f"/v1/customers/{customer['id']}/consent"
    granted = await customer_client.put(
        f"{url}/email",
        json={"granted": True, "source": "web signup form", "method": "double opt-in"},
        headers={"X-Actor": "web"},
    )
    assert granted.status_code == 200, granted.text
    assert granted.headers["etag"] == '"2"'
    withdrawn = await customer_client.put(
        f"{url}/email",
        json={"granted": False, "source": "unsubscribe link"},
        headers={"If-Match": '"2"'},
    )
    body = withdrawn.json()
    assert body["current"]["email"]["granted"] is False
    assert body["current"]["email"]["source"] == "unsubscribe link"
    assert body["current"]["sms"] == {
        "granted": None,
        "decided_at": None,
        "source": None,
        "method": None,
    }
    assert [(h["channel"], h["granted"], h["recorded_by"]) for h in body["history"]] == [
        ("email", True, "web"), ("email", False, None),
    ]  # fmt: skip
    assert body["history"][0]["method"] == "double opt-in"

    read = await customer_client.get(url)
    assert read.json() == body
    customer_now = (await customer_client.get(f"/v1/customers/{customer['id']}")).json()
    assert customer_now["consent"] == {"email": False}

    events = await events_of(customer_app, "consent_changed")
    changes = [e for e in events if isinstance(e, CustomerConsentChanged)]
    assert [(e.channel, e.granted, e.customer_version) for e in changes] == [
        ("email", True, 2),
        ("email", False, 3),
    ]
    assert events[0].changed_by == "web"
    assert events[0].source == "web signup form"


async def test_a_late_recorded_older_decision_does_not_override_a_newer_one(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    customer = await create_customer(customer_client)
    url = f"/v1/customers/{customer['id']}/consent/post"
    await customer_client.put(url, json={"granted": False, "source": "phone call"})
    last_week = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    response = await customer_client.put(
        url, json={"granted": True, "source": "paper form", "decided_at": last_week}
    )
    assert response.json()["current"]["post"]["granted"] is False
    assert len(response.json()["history"]) == 2
    assert response.json()["history"][0]["source"] == "paper form"  # oldest first
    last_event = (await events_of(customer_app, "consent_changed"))[-1]
    assert isinstance(last_event, CustomerConsentChanged)
    assert last_event.granted is False  # the state that holds now


async def test_invalid_consent_requests(customer_client: httpx.AsyncClient) -> None:
    customer = await create_customer(customer_client)
    url = f"/v1/customers/{customer['id']}/consent"
    assert_problem(
        await customer_client.put(f"{url}/fax", json={"granted": True, "source": "x"}), 422
    )
    assert_problem(
        await customer_client.put(f"{url}/sms", json={"granted": True}), 422
    )  # no source
    assert_problem(
        await customer_client.put(f"{url}/sms", json={"granted": "maybe", "source": "x"}), 422
    )
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assert_problem(
        await customer_client.put(
            f"{url}/sms", json={"granted": True, "source": "x", "decided_at": future}
        ),
        422,
        contains="future",
    )
    naive = await customer_client.put(
        f"{url}/sms", json={"granted": True, "source": "x", "decided_at": "2025-01-01T10:00:00"}
    )
    assert_problem(naive, 422)
    stale = await customer_client.put(
        f"{url}/sms", json={"granted": True, "source": "x"}, headers={"If-Match": '"5"'}
    )
    assert_problem(stale, 412)
    missing = f"/v1/customers/{uuid.uuid4()}/consent"
    assert_problem(
        await customer_client.put(f"{missing}/sms", json={"granted": True, "source": "x"}), 404
    )
    assert_problem(await customer_client.get(missing), 404)

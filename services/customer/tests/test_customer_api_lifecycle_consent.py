"""Lifecycle stages and consent over HTTP: the rules, the audit trail and the events."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from crm_shared.contracts.customer import CustomerConsentChanged, CustomerLifecycleChanged
from crm_shared.testing import assert_problem
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import create_customer, events_of, if_match

# --- lifecycle ------------------------------------------------------------------------------


async def test_stage_changes_are_recorded_and_published(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    customer = await create_customer(customer_client)
    url = f"/v1/customers/{customer['id']}/lifecycle"
    etag = '"1"'
    moves = [
        ("prospect", "asked for a quote"),
        ("customer", "first order"),
        ("lost", "no order for 14 months"),
        ("customer", "won back"),
    ]
    for stage, reason in moves:
        response = await customer_client.post(
            url,
            json={"stage": stage, "reason": reason},
            headers={**as_subject("maria"), "If-Match": etag},
        )
        assert response.status_code == 200, response.text
        etag = response.headers["etag"]
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
    current = {"If-Match": '"1"'}
    refused = await customer_client.post(
        url, json={"stage": "lost", "reason": "x"}, headers=current
    )
    problem = assert_problem(refused, 409, contains="allowed from potential: prospect, customer")
    assert problem["allowed"] == ["prospect", "customer"]
    same = await customer_client.post(
        url, json={"stage": "potential", "reason": "x"}, headers=current
    )
    assert_problem(same, 409, contains="already")
    no_reason = await customer_client.post(url, json={"stage": "prospect"}, headers=current)
    assert_problem(no_reason, 422)
    happy = await customer_client.post(url, json={"stage": "happy", "reason": "x"}, headers=current)
    assert_problem(happy, 422)
    stale = await customer_client.post(
        url, json={"stage": "prospect", "reason": "x"}, headers={"If-Match": '"9"'}
    )
    assert_problem(stale, 412)
    unknown = f"/v1/customers/{uuid.uuid4()}/lifecycle"
    assert_problem(
        await customer_client.post(
            unknown, json={"stage": "prospect", "reason": "x"}, headers={"If-Match": "*"}
        ),
        404,
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
    headers = {"Idempotency-Key": "stage-1", "If-Match": '"1"'}
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
        headers={**as_subject("web"), **await if_match(customer_client, url)},
    )
    assert granted.status_code == 200, granted.text
    assert granted.headers["etag"] == '"2"'
    withdrawn = await customer_client.put(
        f"{url}/email",
        json={"granted": False, "source": "unsubscribe link"},
        headers={**as_subject("mailer"), "If-Match": '"2"'},
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
        ("email", True, "web"), ("email", False, "mailer"),
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
    first = await customer_client.put(
        url, json={"granted": False, "source": "phone call"}, headers={"If-Match": '"1"'}
    )
    last_week = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    response = await customer_client.put(
        url,
        json={"granted": True, "source": "paper form", "decided_at": last_week},
        headers={"If-Match": first.headers["etag"]},
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
    read = await if_match(customer_client, url)

    async def put(path: str, body: dict[str, object]) -> httpx.Response:
        return await customer_client.put(f"{url}{path}", json=body, headers=read)

    assert_problem(await put("/fax", {"granted": True, "source": "x"}), 422)
    assert_problem(await put("/sms", {"granted": True}), 422)  # no source
    assert_problem(await put("/sms", {"granted": "maybe", "source": "x"}), 422)
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assert_problem(
        await put("/sms", {"granted": True, "source": "x", "decided_at": future}),
        422,
        contains="future",
    )
    naive = await put("/sms", {"granted": True, "source": "x", "decided_at": "2025-01-01T10:00:00"})
    assert_problem(naive, 422)
    stale = await customer_client.put(
        f"{url}/sms", json={"granted": True, "source": "x"}, headers={"If-Match": '"5"'}
    )
    assert_problem(stale, 412)
    missing = f"/v1/customers/{uuid.uuid4()}/consent"
    assert_problem(
        await customer_client.put(
            f"{missing}/sms", json={"granted": True, "source": "x"}, headers={"If-Match": "*"}
        ),
        404,
    )
    assert_problem(await customer_client.get(missing), 404)


# --- the If-Match rule on every write to a customer ----------------------------------------


async def test_every_write_to_a_customer_needs_a_well_formed_current_if_match(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    """428 without If-Match, 400 when it is not * nor entity tags, 412 when stale; nothing
    is written by any of them."""
    customer = await create_customer(customer_client, kind="business", name="Acme")
    duplicate = await create_customer(customer_client, kind="business", name="Acme Two")
    base = f"/v1/customers/{customer['id']}"
    writes = [
        ("PATCH", base, {"owner": "maria"}),
        ("PUT", f"{base}/consent/email", {"granted": True, "source": "web"}),
        ("POST", f"{base}/lifecycle", {"stage": "prospect", "reason": "x"}),
        ("PUT", f"{base}/credit/grade", {"credit_grade": "B", "reason": "x"}),
        ("PUT", f"{base}/credit/operating-grade", {"operating_grade": "grade_1", "reason": "x"}),
        ("POST", f"{base}/credit/recompute", {"reason": "x"}),
        ("POST", f"{base}/merge", {"duplicate_id": duplicate["id"]}),
        ("POST", f"{base}/erasure", {"reason": "asked"}),
    ]
    for method, url, body in writes:
        missing = await customer_client.request(method, url, json=body)
        assert_problem(missing, 428, contains="If-Match")
        for malformed in ("1", "null", "", '"1', "W/1", '"1" "2"', '*, "1"'):
            response = await customer_client.request(
                method, url, json=body, headers={"If-Match": malformed}
            )
            problem = assert_problem(response, 400, contains="If-Match")
            assert problem["type"].endswith("/invalid-if-match"), (method, url, malformed)
        stale = await customer_client.request(
            method, url, json=body, headers={"If-Match": '"7", W/"8", "x,y"'}
        )
        assert assert_problem(stale, 412)["current_etag"] == '"1"'
    assert await events_of(customer_app, "updated") == []
    assert (await customer_client.get(base)).headers["etag"] == '"1"'
    # A list naming the current version among others, weak or strong, is accepted.
    done = await customer_client.patch(
        base, json={"owner": "maria"}, headers={"If-Match": '"7" , W/"1"'}
    )
    assert done.status_code == 200, done.text

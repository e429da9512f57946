"""Leads over HTTP: create (scored, de-duplicated, matched to a customer), read with its
ETag, search, update, the status machine, record-level access and its events."""

from typing import Any

import httpx
import pytest
from crm_sales.settings import DuplicatePolicy, SalesSettings
from crm_shared.testing import (
    assert_problem,
    bearer,
    created,
    outbox_events,
    token_for,
    uid,
    user_created,
)
from fastapi import FastAPI

from services.sales.tests.sales_builders_leads import create_lead, deliver_events, if_match

ANN = bearer(token_for("sales", subject="ann", team="north"))
BOB = bearer(token_for("sales", subject="bob", team="north"))
MAX = bearer(token_for("sales", subject="max", manages=["north"]))
ANALYST = bearer(token_for("analyst"))

HOT: dict[str, Any] = {
    "company": "Initech",
    "email": "Ann.Lee@Example.org",
    "phone": "+1 415 555 0123",
    "industry": "Software",
    "region": "Europe",
    "role": "CFO",
    "company_size": 300,
    "source": "referral",
}


async def test_create_answers_the_contract(sales_app: FastAPI, sales_client: httpx.AsyncClient):
    lead = await create_lead(sales_client, **HOT)
    assert lead["status"] == "new"
    # 15 (250+ employees) + 15 industry + 10 region + 20 decision-maker + 10 referral
    assert lead["score"] == 70
    rules = {reason["rule"]: reason["points"] for reason in lead["score_reasons"]}
    assert rules == {"company_size": 15, "industry": 15, "region": 10, "role": 20, "source": 10}
    assert all(set(reason) == {"rule", "points", "detail"} for reason in lead["score_reasons"])
    assert lead["win_probability"] is None
    assert lead["customer_id"] is None

    response = await sales_client.get(f"/v1/leads/{lead['id']}")
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json()["email"] == "Ann.Lee@example.org"  # the domain lower-cased

    events = await outbox_events(sales_app, "lead_created")
    assert [event.key for event in events] == [lead["id"]]
    assert events[0].payload.lead.score == 70


async def test_a_bare_lead_scores_zero(sales_client: httpx.AsyncClient) -> None:
    lead = await create_lead(sales_client, name="Nobody")
    assert (lead["score"], lead["score_reasons"]) == (0, [])


async def test_an_open_twin_is_refused_by_email_or_phone(sales_client: httpx.AsyncClient):
    first = await create_lead(sales_client, email="ann.lee@example.org")
    again = await sales_client.post(
        "/v1/leads", json={"name": "A. Lee", "email": "  ANN.LEE@example.org"}
    )
    body = assert_problem(again, 409, contains=first["id"])
    assert body["type"].endswith("/lead-duplicate")
    assert body["duplicate_of"] == first["id"]

    by_phone = await create_lead(sales_client, name="Bo", phone="(415) 555-0199")
    twin = await sales_client.post("/v1/leads", json={"name": "Bo", "phone": "+14155550199"})
    assert assert_problem(twin, 409)["duplicate_of"] == by_phone["id"]


async def test_a_closed_lead_is_no_twin(sales_client: httpx.AsyncClient) -> None:
    first = await create_lead(sales_client, email="ann.lee@example.org")
    url = f"/v1/leads/{first['id']}/disqualify"
    headers = await if_match(sales_client, f"/v1/leads/{first['id']}")
    response = await sales_client.post(url, json={"reason": "no budget"}, headers=headers)
    assert response.status_code == 200, response.text
    await create_lead(sales_client, email="ann.lee@example.org")


@pytest.fixture
def sales_settings(sales_database_url: str, tmp_path: Any) -> SalesSettings:
    return SalesSettings(
        database_url=sales_database_url,
        data_dir=tmp_path,
        routing_territories={"dach": "ann"},
        routing_round_robin=["bob", "cy"],
    )


async def test_warn_policy_creates_and_lists_the_twins(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    sales_app.state.runtime.settings.lead_duplicates = DuplicatePolicy.WARN
    first = await create_lead(sales_client, email="ann.lee@example.org")
    response = await sales_client.post(
        "/v1/leads", json={"name": "Ann", "email": "ann.lee@example.org"}
    )
    assert response.status_code == 201
    assert response.json()["duplicates"] == [{"id": first["id"], "matched_on": ["email"]}]
    assert first["id"] in response.headers["warning"]


async def test_a_lead_of_a_known_customer_gets_its_id(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    customer = uid("c1")
    await deliver_events(
        sales_app, created(customer, email="Ada@Example.org", phone="+442079460000")
    )
    by_email = await create_lead(sales_client, email="ada@example.org")
    assert by_email["customer_id"] == customer
    by_phone = await create_lead(sales_client, name="Ada", phone="+44 20 7946 0000")
    assert by_phone["customer_id"] == customer
    grace = uid("c2")
    await deliver_events(sales_app, created(grace, email="grace@example.org", phone="+14155550100"))
    later = await create_lead(sales_client, name="Grace", owner=None)
    url = f"/v1/leads/{later['id']}"
    response = await sales_client.patch(
        url, json={"email": "GRACE@example.org"}, headers={"If-Match": '"1"'}
    )
    assert response.json()["customer_id"] == grace
    unknown = await sales_client.post("/v1/leads", json={"name": "X", "customer_id": uid("zz")})
    assert_problem(unknown, 422, contains="not known")


async def test_routing_gives_unowned_leads_an_owner(sales_client: httpx.AsyncClient) -> None:
    territory = await create_lead(sales_client, name="A", region="DACH")
    assert (territory["owner"], territory["routed_by"]) == ("ann", "territory")
    first = await create_lead(sales_client, name="B")
    second = await create_lead(sales_client, name="C")
    assert [first["owner"], second["owner"]] == ["bob", "cy"]
    assert first["routed_by"] == "round_robin"
    pooled = await create_lead(sales_client, name="D", owner=None)
    assert (pooled["owner"], pooled["routed_by"]) == (None, None)


async def test_update_rescores_and_qualifies(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    lead = await create_lead(sales_client, name="Ann", owner=None)
    url = f"/v1/leads/{lead['id']}"
    response = await sales_client.patch(
        url, json={"role": "Head of IT", "status": "qualified"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["score"], body["version"]) == ("qualified", 20, 2)
    assert response.headers["etag"] == '"2"'
    changed = await outbox_events(sales_app, "lead_changed")
    assert changed[-1].payload.changed_fields == ["role", "score", "score_reasons", "status"]

    stale = await sales_client.patch(url, json={"name": "X"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412)
    back = await sales_client.patch(url, json={"status": "new"}, headers={"If-Match": '"2"'})
    problem = assert_problem(back, 409, contains="allowed: converted, disqualified")
    assert problem["allowed"] == ["converted", "disqualified"]
    to_convert = await sales_client.patch(
        url, json={"status": "converted"}, headers={"If-Match": '"2"'}
    )
    assert_problem(to_convert, 422)  # only new and qualified are set by PATCH


async def test_disqualify_needs_a_reason_and_closes_the_lead(
    sales_client: httpx.AsyncClient,
) -> None:
    lead = await create_lead(sales_client, owner=None)
    url = f"/v1/leads/{lead['id']}"
    missing = await sales_client.post(f"{url}/disqualify", json={}, headers={"If-Match": '"1"'})
    assert_problem(missing, 422)
    done = await sales_client.post(
        f"{url}/disqualify", json={"reason": "student"}, headers={"If-Match": '"1"'}
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["disqualified_reason"]) == (
        "disqualified",
        "student",
    )
    again = await sales_client.post(
        f"{url}/disqualify", json={"reason": "x"}, headers={"If-Match": "*"}
    )
    assert assert_problem(again, 409, contains="none")["allowed"] == []
    edit = await sales_client.patch(url, json={"name": "B"}, headers={"If-Match": "*"})
    assert_problem(edit, 409, contains="disqualified")


async def test_search_filters_sorts_and_pages(sales_client: httpx.AsyncClient) -> None:
    cold = await create_lead(sales_client, name="Cold", owner=None, source="web")
    hot = await create_lead(sales_client, name="Hot", owner=None, **{**HOT, "email": None})
    warm = await create_lead(sales_client, name="Warm", owner="ann", role="CEO")
    response = await sales_client.get("/v1/leads", params={"sort": "-score", "limit": 2})
    page = response.json()
    assert [item["id"] for item in page["items"]] == [hot["id"], warm["id"]]
    rest = await sales_client.get(
        "/v1/leads", params={"sort": "-score", "limit": 2, "cursor": page["next_cursor"]}
    )
    assert [item["id"] for item in rest.json()["items"]] == [cold["id"]]
    assert rest.json()["next_cursor"] is None

    async def ids(**query: Any) -> list[str]:
        found = await sales_client.get("/v1/leads", params=query)
        assert found.status_code == 200, found.text
        return [item["id"] for item in found.json()["items"]]

    assert await ids(min_score=20) == [hot["id"], warm["id"]]
    assert await ids(owner="ann") == [warm["id"]]
    assert await ids(source="WEB") == [cold["id"]]
    assert await ids(status="qualified") == []
    wrong = await sales_client.get("/v1/leads", params={"cursor": page["next_cursor"]})
    assert_problem(wrong, 400)


async def test_reps_reach_their_own_their_teams_and_the_pool(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    await deliver_events(
        sales_app, user_created("ann", team_id="north"), user_created("bob", team_id="north")
    )
    ann = await create_lead(sales_client, name="Ann's", owner="ann", email="a@example.org")
    bob = await create_lead(sales_client, name="Bob's", owner="bob")
    pool = await create_lead(sales_client, name="Pool", owner=None)

    async def listed(headers: dict[str, str]) -> set[str]:
        response = await sales_client.get("/v1/leads", headers=headers)
        return {item["id"] for item in response.json()["items"]}

    assert await listed(ANN) == {ann["id"], pool["id"]}
    assert await listed(MAX) == {ann["id"], bob["id"], pool["id"]}
    hidden = await sales_client.get(f"/v1/leads/{bob['id']}", headers=ANN)
    assert_problem(hidden, 404)
    take = await sales_client.patch(
        f"/v1/leads/{pool['id']}", json={"owner": "ann"}, headers={**ANN, "If-Match": "*"}
    )
    assert take.status_code == 200, take.text
    give = await sales_client.patch(
        f"/v1/leads/{ann['id']}", json={"owner": "bob"}, headers={**ANN, "If-Match": "*"}
    )
    assert_problem(give, 403)
    own = await sales_client.post("/v1/leads", json={"name": "X", "owner": "bob"}, headers=ANN)
    assert_problem(own, 403)
    masked = await sales_client.get(f"/v1/leads/{ann['id']}", headers=ANALYST)
    assert masked.json()["email"] == "a***@example.org"


async def test_an_external_id_names_one_lead(sales_client: httpx.AsyncClient) -> None:
    first = await create_lead(sales_client, name="A", external_id="crm-1")
    twin = await sales_client.post("/v1/leads", json={"name": "B", "external_id": "crm-1"})
    assert assert_problem(twin, 409, contains="crm-1")["lead_id"] == first["id"]


async def test_a_retried_create_with_its_key_makes_no_twin(sales_client: httpx.AsyncClient):
    body = {"name": "Ann", "email": "retry@example.org"}
    headers = {"Idempotency-Key": "lead-1"}
    first = await sales_client.post("/v1/leads", json=body, headers=headers)
    retry = await sales_client.post("/v1/leads", json=body, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["idempotency-replayed"] == "true"

"""Record-level access and masked personal data on the customer master
(crm_shared.auth.access, crm_shared.masking): who reaches which customer, what an answer
shows of it, and whom a caller may make its owner."""

from typing import Any

import httpx
import pytest
from crm_customer.handlers import handlers_for
from crm_shared.testing import (
    assert_problem,
    bearer,
    deliver,
    deliveries_of,
    token_for,
    user_changed,
    user_created,
)
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import create_customer

# Ann and Bob are reps on team north, Cy on team south; Max manages north.
ANN = bearer(token_for("sales", subject="ann", team="north"))
BOB = bearer(token_for("sales", subject="bob", team="north"))
MAX = bearer(token_for("sales", subject="max", manages=["north"]))
ANALYST = bearer(token_for("analyst"))
PARTNER = bearer(token_for(client_id="p1", scopes=("customers:read",)))
PARTNER_PII = bearer(token_for(client_id="p2", scopes=("customers:read", "customers:pii")))

PERSON: dict[str, Any] = {
    "email": "ann.lee@example.org",
    "phone": "+14155550123",
    "address": {"street": "1 Main Street", "postal_code": "94105", "country": "US"},
    "demographic": {"birth_date": "1980-05-17", "occupation": "pilot"},
    "geographic": {"city": "San Francisco"},
}


async def join_teams(app: FastAPI) -> None:
    """What identity publishes on crm.identity, as the customer master consumes it."""
    events = deliveries_of(
        user_created("ann", team_id="north"),
        user_created("bob", team_id="north"),
        user_created("cy", team_id="south"),
        user_created("max"),
    )
    await deliver(app.state.runtime.unit_of_work, handlers_for(app.state.runtime.settings), events)


@pytest.fixture
async def book(customer_app: FastAPI, customer_client: httpx.AsyncClient) -> dict[str, str]:
    """One customer per owner (created by an admin), and one in the shared pool."""
    await join_teams(customer_app)
    ids = {}
    for owner in ("ann", "bob", "cy", None):
        created = await create_customer(
            customer_client, kind="business", name=f"Customer of {owner}", owner=owner, **PERSON
        )
        ids[owner or "pool"] = created["id"]
    return ids


async def listed(client: httpx.AsyncClient, headers: dict[str, str], **query: Any) -> set[str]:
    response = await client.get("/v1/customers", params={"total": "true", **query}, headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"])
    return {item["id"] for item in page["items"]}


async def test_a_rep_lists_own_and_pool_a_manager_also_the_team(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    assert await listed(customer_client, ANN) == {book["ann"], book["pool"]}
    assert await listed(customer_client, MAX) == {book["ann"], book["bob"], book["pool"]}
    assert await listed(customer_client, ANALYST) == set(book.values())
    # A filter cannot widen the reach: asking for another's customers finds none.
    assert await listed(customer_client, ANN, owner="bob") == set()


async def test_a_rep_gets_404_for_a_colleagues_customer_a_manager_reaches_it(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    url = f"/v1/customers/{book['bob']}"
    missing = await customer_client.get("/v1/customers/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12)
    refused = await customer_client.get(url, headers=ANN)
    assert_problem(refused, 404, contains="does not exist")
    # The same problem as a customer that does not exist, but for the id.
    assert refused.json()["type"] == missing.json()["type"]
    assert (await customer_client.get(url, headers=MAX)).status_code == 200
    assert (
        await customer_client.get(f"/v1/customers/{book['pool']}", headers=ANN)
    ).status_code == 200


async def test_a_write_outside_reach_is_404_before_the_version_is_checked(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    url = f"/v1/customers/{book['bob']}"
    # A stale If-Match would be 412 on a reachable record: here it must not tell.
    stale = {**ANN, "If-Match": '"99"'}
    assert_problem(await customer_client.patch(url, json={"name": "X"}, headers=stale), 404)
    # An invalid body would be 422: it must not tell either.
    bad = await customer_client.patch(url, json={"kind": "robot"}, headers=stale)
    assert_problem(bad, 404)
    merge = await customer_client.post(
        f"/v1/customers/{book['ann']}/merge",
        json={"duplicate_id": book["bob"]},
        headers={**ANN, "If-Match": "*"},
    )
    assert_problem(merge, 404, contains=book["bob"])


async def test_a_rep_claims_from_the_pool_but_cannot_give_away(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    pool = f"/v1/customers/{book['pool']}"
    claimed = await customer_client.patch(
        pool, json={"owner": "ann"}, headers={**ANN, "If-Match": "*"}
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["owner"] == "ann"
    mine = f"/v1/customers/{book['ann']}"
    given = await customer_client.patch(
        mine, json={"owner": "bob"}, headers={**ANN, "If-Match": "*"}
    )
    assert_problem(given, 403, contains="owner")
    created = await customer_client.post(
        "/v1/customers", json={"kind": "individual", "name": "Zed", "owner": "cy"}, headers=ANN
    )
    assert_problem(created, 403)
    # A manager hands a customer to a member of their team, not to another team's.
    handed = await customer_client.patch(
        mine, json={"owner": "bob"}, headers={**MAX, "If-Match": "*"}
    )
    assert handed.status_code == 200, handed.text
    away = f"/v1/customers/{book['bob']}"
    refused = await customer_client.patch(
        away, json={"owner": "cy"}, headers={**MAX, "If-Match": "*"}
    )
    assert_problem(refused, 403)


async def test_a_rep_who_changes_team_leaves_the_managers_reach(
    customer_app: FastAPI, customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    run = deliveries_of(user_changed("bob", 2, team_id="south"), user_created("bob", 1))
    handlers = handlers_for(customer_app.state.runtime.settings)
    await deliver(customer_app.state.runtime.unit_of_work, handlers, run)  # a late v1: no-op
    assert await listed(customer_client, MAX) == {book["ann"], book["pool"]}


async def test_personal_data_is_masked_for_callers_without_customers_pii(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    url = f"/v1/customers/{book['ann']}"
    full = await customer_client.get(url, headers=PARTNER_PII)
    assert full.json()["email"] == PERSON["email"]
    for headers in (ANALYST, PARTNER):
        masked = await customer_client.get(url, headers=headers)
        assert masked.status_code == 200, masked.text
        body = masked.json()
        assert body["email"] == "a***@example.org"
        assert body["phone"] == "+*********23"
        assert body["address"] == {"street": "***", "postal_code": "***", "country": "US"}
        assert body["demographic"]["birth_date"] is None
        assert body["demographic"]["occupation"] == "pilot"
        assert body["geographic"]["city"] == "San Francisco"
        # Each variant is the caller's own: no shared cache may serve one for the other.
        assert "private" in masked.headers["cache-control"]
        assert "Authorization" in masked.headers["vary"]
    page = await customer_client.get("/v1/customers", headers=ANALYST)
    assert {item["email"] for item in page.json()["items"]} == {"a***@example.org"}


async def test_an_analyst_cannot_write(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    url = f"/v1/customers/{book['ann']}"
    refused = await customer_client.patch(
        url, json={"name": "X"}, headers={**ANALYST, "If-Match": "*"}
    )
    assert_problem(refused, 403)


async def test_contacts_and_the_duplicates_report_are_masked_and_scoped(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    contacts = f"/v1/customers/{book['ann']}/contacts"
    added = await customer_client.post(
        contacts, json={"name": "Pat", "email": "pat@acme.example", "phone": "+14155550188"}
    )
    assert added.status_code == 201, added.text
    page = await customer_client.get(contacts, headers=ANALYST)
    assert page.json()["items"][0]["email"] == "p***@acme.example"
    assert page.json()["items"][0]["phone"] == "+*********88"
    one = await customer_client.get(f"{contacts}/{added.json()['id']}", headers=ANALYST)
    assert one.json()["phone"] == "+*********88"
    outside = f"/v1/customers/{book['bob']}/contacts"
    assert_problem(await customer_client.get(outside, headers=ANN), 404)

    # Every customer of the book shares the e-mail: a rep's report shows only theirs.
    report = await customer_client.get("/v1/customers/duplicates", headers=ANN)
    groups = {g["matched_on"]: g for g in report.json()["groups"]}
    assert set(groups["email"]["customer_ids"]) == {book["ann"], book["pool"]}
    masked = await customer_client.get("/v1/customers/duplicates", headers=ANALYST)
    keys = {g["matched_on"]: g["key"] for g in masked.json()["groups"]}
    assert keys["email"] == "a***@example.org"
    assert keys["phone"] == "+*********23"


async def test_a_create_warns_only_about_duplicates_within_reach(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    body = {"kind": "business", "name": "Twin", "email": PERSON["email"], "owner": "ann"}
    created = await customer_client.post("/v1/customers", json=body, headers=ANN)
    assert created.status_code == 201, created.text
    assert {d["id"] for d in created.json()["duplicates"]} == {book["ann"], book["pool"]}


async def test_the_export_is_scoped_and_masks_without_customers_pii(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    assert_problem(await customer_client.get("/v1/customers/export", headers=ANN), 403)
    exporter = bearer(token_for(client_id="p3", scopes=("customers:export",)))
    masked = await customer_client.get("/v1/customers/export", headers=exporter)
    assert masked.status_code == 200, masked.text
    assert "ann.lee@example.org" not in masked.text
    assert "1 Main Street" not in masked.text
    assert "1980-05-17" not in masked.text
    assert masked.text.count("a***@example.org") == len(book)
    full = await customer_client.get("/v1/customers/export")  # the admin: export and PII
    assert full.text.count("ann.lee@example.org") == len(book)


async def test_a_reps_import_keeps_to_their_reach(
    customer_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    """The CSV import matches, updates and assigns only within the caller's reach: a row can
    neither change a colleague's customer nor learn that it exists."""
    cys = await create_customer(
        customer_client,
        kind="business",
        name="Cy's key account",
        owner="cy",
        email="buyer@south.example",
        external_id="SOUTH-1",
    )
    text = (
        "id,kind,name,email,external_id,owner\n"
        f"{book['bob']},,Taken over,,,\n"  # a colleague's customer, by id
        ",business,Another buyer,buyer@south.example,,\n"  # shares an e-mail with Cy's
        ",business,Given away,,,bob\n"  # an owner Ann may not assign
        ",business,Same key,,SOUTH-1,\n"  # an external id Cy's customer holds
        f"{book['ann']},,Ann renamed it,,,\n"  # her own
    )
    answer = await customer_client.post(
        "/v1/customers/import",
        content=text.encode(),
        headers={"content-type": "text/csv", **ANN},
    )
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    assert (summary["created"], summary["updated"]) == (1, 1), summary
    errors = {error["line"]: " ".join(error["errors"]) for error in summary["errors"]}
    assert f"no customer {book['bob']} exists" in errors[2]
    assert "may not make 'bob' the owner" in errors[4]
    assert "'SOUTH-1' is already in use" in errors[5]
    assert set(errors) == {2, 4, 5}, errors
    colleague = (await customer_client.get(f"/v1/customers/{book['bob']}")).json()
    assert colleague["name"] == "Customer of bob"
    untouched = (await customer_client.get(f"/v1/customers/{cys['id']}")).json()
    assert untouched["name"] == "Cy's key account"
    buyers = await customer_client.get("/v1/customers", params={"email": "buyer@south.example"})
    owners = sorted((item["owner"] or "") for item in buyers.json()["items"])
    assert owners == ["", "cy"]  # a new customer in the pool beside Cy's

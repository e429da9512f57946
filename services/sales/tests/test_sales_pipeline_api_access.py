"""Who reaches which opportunity (record-level access), whom a caller may make an owner,
an owner's hand-over, and the list's filters, sorts and pages."""

from typing import Any

import httpx
import pytest
from crm_shared.testing import assert_problem, bearer, outbox_events, token_for, uid
from fastapi import FastAPI

from services.sales.tests.sales_builders_pipeline import (
    CUSTOMER,
    join_teams,
    know_customers,
    move,
    open_opportunity,
    patch,
)

# Ann and Bob are reps on team north, Cy on team south; Max manages north.
ANN = bearer(token_for("sales", subject="ann", team="north"))
BOB = bearer(token_for("sales", subject="bob", team="north"))
CY = bearer(token_for("sales", subject="cy", team="south"))
MAX = bearer(token_for("sales", subject="max", manages=["north"]))
ANALYST = bearer(token_for("analyst"))
SUPPORT = bearer(token_for("support"))
MARKETING = bearer(token_for("marketing"))
CUSTOMER_OF_CY = uid("cy-customer")


@pytest.fixture(autouse=True)
async def world(sales_app: FastAPI) -> None:
    await join_teams(sales_app, {"ann": "north", "bob": "north", "cy": "south", "max": None})
    await know_customers(sales_app, (CUSTOMER, None), (CUSTOMER_OF_CY, "cy"))


async def listed(client: httpx.AsyncClient, headers: dict[str, str], **query: Any) -> set[str]:
    response = await client.get(
        "/v1/opportunities", params={"total": "true", **query}, headers=headers
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"])
    return {item["name"] for item in page["items"]}


@pytest.fixture
async def book(sales_client: httpx.AsyncClient) -> dict[str, str]:
    """One opportunity per owner (each made by its owner) and one in the pool."""
    ids = {}
    for name, headers in (("ann", ANN), ("bob", BOB), ("cy", CY)):
        ids[name] = (await open_opportunity(sales_client, headers, name=name))["id"]
    ids["pool"] = (await open_opportunity(sales_client, name="pool", owner=None))["id"]
    return ids


async def test_the_creator_owns_it_unless_told(
    sales_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    read = await sales_client.get(f"/v1/opportunities/{book['ann']}", headers=ANN)
    assert read.json()["owner"] == "ann"
    pool = await sales_client.get(f"/v1/opportunities/{book['pool']}")
    assert pool.json()["owner"] is None


async def test_reps_see_their_own_and_the_pool_managers_their_team(
    sales_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    assert await listed(sales_client, ANN) == {"ann", "pool"}
    assert await listed(sales_client, MAX) == {"ann", "bob", "pool"}
    assert await listed(sales_client, ANALYST) == {"ann", "bob", "cy", "pool"}
    assert await listed(sales_client, SUPPORT) == {"ann", "bob", "cy", "pool"}
    assert await listed(sales_client, ANN, owner="bob") == set()


async def test_out_of_reach_is_404(sales_client: httpx.AsyncClient, book: dict[str, str]) -> None:
    url = f"/v1/opportunities/{book['cy']}"
    assert_problem(await sales_client.get(url, headers=ANN), 404)
    assert_problem(await sales_client.get(f"{url}/history", headers=ANN), 404)
    changed = await sales_client.patch(
        url, json={"stage": "quote"}, headers={**ANN, "If-Match": "*"}
    )
    assert_problem(changed, 404)
    assert (await sales_client.get(url, headers=CY)).status_code == 200


async def test_a_rep_opens_only_on_customers_within_reach(sales_client: httpx.AsyncClient) -> None:
    body = {"customer_id": CUSTOMER_OF_CY, "name": "Poach", "amount": "1.00"}
    response = await sales_client.post("/v1/opportunities", json=body, headers=ANN)
    assert_problem(response, 422, contains="unknown customer")
    assert (await sales_client.post("/v1/opportunities", json=body, headers=CY)).status_code == 201


async def test_permissions(sales_client: httpx.AsyncClient, book: dict[str, str]) -> None:
    assert_problem(await sales_client.get("/v1/opportunities", headers=MARKETING), 403)
    body = {"customer_id": CUSTOMER, "name": "X", "amount": "1.00"}
    assert_problem(await sales_client.post("/v1/opportunities", json=body, headers=SUPPORT), 403)
    assert_problem(await sales_client.post("/v1/opportunities", json=body, headers=ANALYST), 403)
    assert (await sales_client.get("/v1/opportunities")).status_code == 200
    unauthenticated = await sales_client.get("/v1/opportunities", headers={"Authorization": ""})
    assert unauthenticated.status_code == 401


async def test_whom_a_caller_may_make_the_owner(
    sales_client: httpx.AsyncClient, book: dict[str, str]
) -> None:
    body = {"customer_id": CUSTOMER, "name": "X", "amount": "1.00", "owner": "bob"}
    refused = await sales_client.post("/v1/opportunities", json=body, headers=ANN)
    assert_problem(refused, 403)
    assert_problem(await patch(sales_client, book["ann"], {"owner": "bob"}, ANN), 403)
    given = await patch(sales_client, book["ann"], {"owner": "bob"}, MAX)
    assert given.status_code == 200
    assert given.json()["owner"] == "bob"
    assert_problem(await patch(sales_client, book["bob"], {"owner": "cy"}, MAX), 403)
    # a rep takes from the pool, and gives back
    taken = await patch(sales_client, book["pool"], {"owner": "ann"}, ANN)
    assert taken.json()["owner"] == "ann"
    back = await patch(sales_client, book["pool"], {"owner": None}, ANN)
    assert back.json()["owner"] is None


async def test_handover_moves_open_work_only(
    sales_client: httpx.AsyncClient, sales_app: FastAPI, book: dict[str, str]
) -> None:
    second = await open_opportunity(sales_client, ANN, name="ann 2")
    closed = await open_opportunity(sales_client, ANN, name="ann won")
    await move(sales_client, closed["id"], stage="won")
    before = len(await outbox_events(sales_app, "opportunity_changed"))
    response = await sales_client.post(
        "/v1/opportunities/handover", json={"from_owner": "ann", "to_owner": "bob"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"from_owner": "ann", "to_owner": "bob", "moved": 2}
    for opportunity_id in (book["ann"], second["id"]):
        read = (await sales_client.get(f"/v1/opportunities/{opportunity_id}")).json()
        assert (read["owner"], read["version"]) == ("bob", 2)
    won = (await sales_client.get(f"/v1/opportunities/{closed['id']}")).json()
    assert won["owner"] == "ann"
    events = (await outbox_events(sales_app, "opportunity_changed"))[before:]
    assert sorted(e.payload.record_id for e in events) == sorted([book["ann"], second["id"]])
    assert all(e.payload.changed_fields == ["owner"] for e in events)
    assert all(e.payload.opportunity.owner == "bob" for e in events)
    assert all(e.payload.opportunity.version == 2 for e in events)
    again = await sales_client.post(
        "/v1/opportunities/handover", json={"from_owner": "ann", "to_owner": "bob"}
    )
    assert again.json()["moved"] == 0


async def test_who_may_hand_over(sales_client: httpx.AsyncClient, book: dict[str, str]) -> None:
    url = "/v1/opportunities/handover"
    north = {"from_owner": "ann", "to_owner": "bob"}
    assert (await sales_client.post(url, json=north, headers=MAX)).json()["moved"] == 1
    assert_problem(await sales_client.post(url, json=north, headers=ANN), 403)
    to_south = {"from_owner": "bob", "to_owner": "cy"}
    assert_problem(await sales_client.post(url, json=to_south, headers=MAX), 403)
    assert_problem(await sales_client.post(url, json=north, headers=ANALYST), 403)
    same = {"from_owner": "ann", "to_owner": "ann"}
    assert (await sales_client.post(url, json=same)).json()["moved"] == 0


# -- the list's filters, sorts and pages ------------------------------------------------------


@pytest.fixture
async def spread(sales_client: httpx.AsyncClient) -> None:
    rows = [
        ("a", "300.00", "quote", "2026-11-10", "EUR"),
        ("b", "100.00", "contact", "2026-12-01", "EUR"),
        ("c", "500.00", "proposal", None, "USD"),
        ("d", "200.00", "negotiation", "2026-10-05", "EUR"),
        ("e", "400.00", "contact", "2027-01-15", "EUR"),
    ]
    for name, amount, stage, close, currency in rows:
        await open_opportunity(
            sales_client,
            name=name,
            amount=amount,
            stage=stage,
            expected_close_date=close,
            currency=currency,
            owner="ann" if name in "ab" else None,
        )
    lost = await open_opportunity(sales_client, name="f", amount="50.00")
    await move(sales_client, lost["id"], stage="lost", loss_reason="went dark")


async def names(client: httpx.AsyncClient, **query: Any) -> list[str]:
    """Every page, in order, with two items a page."""
    found: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **query, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/opportunities", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        found += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


async def test_filters(sales_client: httpx.AsyncClient, spread: None) -> None:
    assert await names(sales_client, stage=["contact", "quote"]) == ["a", "b", "e"]
    assert await names(sales_client, state="closed") == ["f"]
    assert await names(sales_client, state="open") == ["a", "b", "c", "d", "e"]
    assert await names(sales_client, owner="ann") == ["a", "b"]
    assert await names(sales_client, currency="usd") == ["c"]
    assert await names(sales_client, customer_id=CUSTOMER) == ["a", "b", "c", "d", "e", "f"]
    assert await names(sales_client, customer_id=uid("other")) == []
    window = {"close_from": "2026-11-01", "close_to": "2026-12-01"}
    assert await names(sales_client, **window) == ["a", "b"]
    assert_problem(await sales_client.get("/v1/opportunities", params={"stage": "x"}), 422)
    assert_problem(await sales_client.get("/v1/opportunities", params={"state": "x"}), 422)
    assert_problem(await sales_client.get("/v1/opportunities", params={"close_to": "0"}), 422)


async def test_sorts_page_through_everything(sales_client: httpx.AsyncClient, spread: None) -> None:
    assert await names(sales_client, sort="-amount") == ["c", "e", "a", "d", "b", "f"]
    assert await names(sales_client, sort="amount") == ["f", "b", "d", "a", "e", "c"]
    by_close = await names(sales_client, sort="expected_close_date")
    assert by_close[:4] == ["d", "a", "b", "e"]
    assert sorted(by_close[4:]) == ["c", "f"]  # no close date: last (then by id)
    by_close_desc = await names(sales_client, sort="-expected_close_date")
    assert by_close_desc[2:] == ["e", "b", "a", "d"]
    assert sorted(by_close_desc[:2]) == ["c", "f"]  # no close date: first, descending
    assert await names(sales_client, sort="-created_at") == ["f", "e", "d", "c", "b", "a"]
    assert len(await names(sales_client, sort="-updated_at")) == 6


async def test_a_foreign_cursor_is_400(sales_client: httpx.AsyncClient, spread: None) -> None:
    first = (await sales_client.get("/v1/opportunities", params={"limit": 2})).json()
    other_sort = await sales_client.get(
        "/v1/opportunities", params={"cursor": first["next_cursor"], "sort": "amount"}
    )
    assert_problem(other_sort, 400)
    assert_problem(await sales_client.get("/v1/opportunities", params={"cursor": "zz"}), 400)

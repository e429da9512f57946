"""The customer resource over HTTP: create, read, update, search; the conventions outside
clients rely on (ETag, If-Match, Idempotency-Key, problem details) and the events written."""

import uuid

import httpx
import pytest
from crm_shared.contracts.customer import CustomerCreated, CustomerUpdated
from crm_shared.testing import assert_problem
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import create_customer, events_of, outbox_events

# --- create ---------------------------------------------------------------------------------


async def test_create_answers_201_with_id_etag_location_and_publishes_created(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    response = await customer_client.post(
        "/v1/customers",
        json={
            "kind": "individual",
            "name": "Ann Lee",
            "email": "Ann.Lee@Example.org",
            "phone": "(415) 555-0132",
            "tags": ["VIP", "vip "],
            "geographic": {"city": "Berlin", "area_type": "urban"},
            "demographic": {"birth_date": "1990-04-01", "industry": "retail"},
            "business": {"annual_revenue": "1200.50"},
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    uuid.UUID(body["id"])
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/v1/customers/{body['id']}"
    assert body["phone"] == "+14155550132"
    assert body["tags"] == ["vip"]
    assert body["lifecycle_stage"] == "potential"
    assert body["status"] == "active"
    assert body["geographic"]["city"] == "Berlin"
    assert body["duplicates"] == []
    assert "warning" not in response.headers

    [(event_type, key, envelope, payload)] = await outbox_events(customer_app)
    assert event_type == "crm.customer.created.v1"
    assert key == body["id"]
    assert envelope.source == "crm/customer"
    assert isinstance(payload, CustomerCreated)
    assert payload.customer_version == 1
    assert payload.customer.email == "Ann.Lee@example.org"  # the domain is case-insensitive
    assert payload.customer.city == "Berlin"
    assert payload.customer.segmentation["area_type"] == "urban"
    assert payload.customer.segmentation["annual_revenue"] == 1200.5


async def test_the_snapshot_carries_the_postal_address_once_there_is_a_street(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    created = await create_customer(
        customer_client,
        address={"postal_code": "10115", "country": "DE"},
        geographic={"city": "Berlin", "region": "BE"},
    )
    url = f"/v1/customers/{created['id']}"
    [(_, _, _, first)] = await outbox_events(customer_app)
    assert isinstance(first, CustomerCreated)
    assert first.customer.postal_address is None  # a postal code alone reaches nobody
    response = await customer_client.patch(
        url, json={"address": {"street": "Invalidenstr. 1"}}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    [updated] = await events_of(customer_app, "updated")
    assert isinstance(updated, CustomerUpdated)
    address = updated.customer.postal_address
    assert address is not None
    assert address.model_dump() == {
        "street": "Invalidenstr. 1",
        "postal_code": "10115",
        "city": "Berlin",
        "region": "BE",
        "country": "DE",
    }


async def test_the_customers_time_zone_is_kept_and_travels_on_the_events(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    created = await create_customer(customer_client, geographic={"time_zone": "Pacific/Auckland"})
    assert created["geographic"]["time_zone"] == "Pacific/Auckland"
    [(_, _, _, first)] = await outbox_events(customer_app)
    assert isinstance(first, CustomerCreated)
    assert first.customer.time_zone == "Pacific/Auckland"
    url = f"/v1/customers/{created['id']}"
    response = await customer_client.patch(
        url, json={"geographic": {"time_zone": "America/Los_Angeles"}}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert (await customer_client.get(url)).json()["geographic"]["time_zone"] == (
        "America/Los_Angeles"
    )
    [updated] = await events_of(customer_app, "updated")
    assert isinstance(updated, CustomerUpdated)
    assert updated.changed_fields == ["time_zone"]
    assert updated.customer.time_zone == "America/Los_Angeles"
    bad = await customer_client.patch(
        url, json={"geographic": {"time_zone": "Europe/Atlantis"}}, headers={"If-Match": "*"}
    )
    problem = assert_problem(bad, 422)
    assert "body.geographic.time_zone" in [error["location"] for error in problem["errors"]]


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"kind": "individual", "name": "Ann", "shoe_size": 42}, "body.shoe_size"),
        ({"kind": "alien", "name": "Ann"}, "body.kind"),
        ({"kind": "individual"}, "body.name"),
        ({"kind": "individual", "name": "  "}, "body.name"),
        ({"kind": "individual", "name": "Ann", "email": "not-an-email"}, "body.email"),
        ({"kind": "individual", "name": "Ann", "geographic": {"area_type": "space"}},
         "body.geographic.area_type"),
        ({"kind": "individual", "name": "Ann", "demographic": {"birth_date": "2999-01-01"}},
         "body.demographic.birth_date"),
        ({"kind": "individual", "name": "Ann", "behavioural": {"brand_loyalty": "fanatic"}},
         "body.behavioural.brand_loyalty"),
        ({"kind": "individual", "name": "Ann", "business": {"market_share": 101}},
         "body.business.market_share"),
        ({"kind": "individual", "name": "Ann", "lifecycle_stage": "happy"}, "body.lifecycle_stage"),
        ({"kind": "individual", "name": "Ann", "phone": "12"}, "body.phone"),
        ({"kind": "individual", "name": "Ann", "geographic": {"time_zone": "Mars/Olympus"}},
         "body.geographic.time_zone"),
    ],
)  # fmt: skip
async def test_invalid_create_is_422_problem_and_writes_nothing(
    customer_client: httpx.AsyncClient, customer_app: FastAPI, body: dict, location: str
) -> None:
    response = await customer_client.post("/v1/customers", json=body)
    problem = assert_problem(response, 422)
    assert location in [error["location"] for error in problem["errors"]]
    assert await outbox_events(customer_app) == []


async def test_unparseable_json_is_400(customer_client: httpx.AsyncClient) -> None:
    response = await customer_client.post(
        "/v1/customers", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert assert_problem(response, 400)["type"].endswith("/malformed-body")


async def test_idempotency_key_replays_the_first_response(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    body = {"kind": "business", "name": "Acme GmbH"}
    headers = {"Idempotency-Key": "create-acme-1"}
    first = await customer_client.post("/v1/customers", json=body, headers=headers)
    again = await customer_client.post("/v1/customers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotency-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["location"] == first.headers["location"]
    assert "idempotency-replayed" not in first.headers
    assert len(await events_of(customer_app, "created")) == 1

    reused = await customer_client.post(
        "/v1/customers", json={**body, "name": "Other"}, headers=headers
    )
    assert_problem(reused, 422, contains="Idempotency-Key")
    assert len(await events_of(customer_app, "created")) == 1


async def test_duplicates_are_reported_on_create_and_refused_when_strict(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    first = await create_customer(customer_client, email="ann@example.org", phone="+14155550132")
    response = await customer_client.post(
        "/v1/customers",
        json={
            "kind": "individual",
            "name": "A. Lee",
            "email": " ANN@example.org",
            "phone": "415-555-0132",
        },
    )
    assert response.status_code == 201
    assert response.json()["duplicates"] == [
        {"id": first["id"], "name": "Ann Lee", "matched_on": ["email", "phone"]}
    ]
    assert first["id"] in response.headers["warning"]
    assert response.headers["warning"].startswith("299 ")

    strict = await customer_client.post(
        "/v1/customers?strict=true",
        json={"kind": "individual", "name": "Someone", "phone": "(415) 555 0132"},
    )
    problem = assert_problem(strict, 409, contains="looks like")
    assert {d["id"] for d in problem["duplicates"]} == {first["id"], response.json()["id"]}
    assert len(await events_of(customer_app, "created")) == 2


async def test_name_and_company_match_but_a_bare_individual_name_does_not(
    customer_client: httpx.AsyncClient,
) -> None:
    acme = await create_customer(customer_client, kind="business", name="ACME  Corp")
    again = await create_customer(customer_client, kind="business", name="acme corp")
    assert again["duplicates"] == [
        {"id": acme["id"], "name": "ACME  Corp", "matched_on": ["name_company"]}
    ]
    await create_customer(customer_client, name="John Smith")
    assert (await create_customer(customer_client, name="john smith"))["duplicates"] == []
    worker = await create_customer(customer_client, name="John Smith", company="Acme")
    same = await create_customer(customer_client, name="JOHN SMITH", company=" acme ")
    assert [d["id"] for d in same["duplicates"]] == [worker["id"]]


async def test_external_id_is_unique(customer_client: httpx.AsyncClient) -> None:
    first = await create_customer(customer_client, external_id="ERP-1")
    response = await customer_client.post(
        "/v1/customers", json={"kind": "individual", "name": "B", "external_id": "ERP-1"}
    )
    problem = assert_problem(response, 409, contains="ERP-1")
    assert problem["customer_id"] == first["id"]


# --- read -----------------------------------------------------------------------------------


async def test_get_answers_with_etag_and_unknown_ids_are_404(
    customer_client: httpx.AsyncClient,
) -> None:
    created = await create_customer(customer_client)
    response = await customer_client.get(f"/v1/customers/{created['id']}")
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json()["name"] == "Ann Lee"
    assert_problem(await customer_client.get(f"/v1/customers/{uuid.uuid4()}"), 404)
    assert_problem(await customer_client.get("/v1/customers/not-a-uuid"), 422)


# --- update ---------------------------------------------------------------------------------


async def test_patch_with_if_match_updates_and_publishes_changed_fields(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    created = await create_customer(customer_client, geographic={"region": "EU", "city": "Rome"})
    url = f"/v1/customers/{created['id']}"
    response = await customer_client.patch(
        url,
        json={"geographic": {"city": "Berlin"}, "email": "ann@example.org", "tags": ["a"]},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert body["geographic"] == {**created["geographic"], "city": "Berlin", "region": "EU"}
    assert body["version"] == 2
    [updated] = await events_of(customer_app, "updated")
    assert isinstance(updated, CustomerUpdated)
    assert updated.changed_fields == ["city", "email", "tags"]
    assert updated.customer_version == 2
    assert updated.customer.tags == ["a"]

    # Sending the same values changes nothing: no new version, no event.
    same = await customer_client.patch(
        url, json={"geographic": {"city": "Berlin"}}, headers={"If-Match": '"2"'}
    )
    assert same.headers["etag"] == '"2"'
    assert len(await events_of(customer_app, "updated")) == 1

    cleared = await customer_client.patch(url, json={"email": None}, headers={"If-Match": "*"})
    assert cleared.json()["email"] is None
    retagged = await customer_client.patch(
        url, json={"tags": ["B", "c"]}, headers={"If-Match": "*"}
    )
    assert retagged.json()["tags"] == ["b", "c"]
    untagged = await customer_client.patch(url, json={"tags": []}, headers={"If-Match": "*"})
    assert untagged.json()["tags"] == []
    assert (await customer_client.get(url, params={})).json()["tags"] == []


async def test_patch_preconditions(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    created = await create_customer(customer_client)
    url = f"/v1/customers/{created['id']}"
    assert_problem(await customer_client.patch(url, json={"name": "B"}), 428)
    stale = await customer_client.patch(url, json={"name": "B"}, headers={"If-Match": '"7"'})
    assert_problem(stale, 412)
    assert_problem(
        await customer_client.patch(
            f"/v1/customers/{uuid.uuid4()}", json={"name": "B"}, headers={"If-Match": '"1"'}
        ),
        404,
    )
    for bad in (
        {"name": None},
        {"lifecycle_stage": "customer"},
        {"nickname": "x"},
        {"phone": "abc"},
    ):
        assert_problem(await customer_client.patch(url, json=bad, headers={"If-Match": '"1"'}), 422)
    assert await events_of(customer_app, "updated") == []


async def test_a_concurrent_write_between_read_and_write_is_412(
    customer_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version column guards the write itself: simulate another writer by making the
    loaded record one version behind the row (If-Match: * passes the early check)."""
    from crm_customer.customers import service
    from sqlalchemy.orm.attributes import set_committed_value

    created = await create_customer(customer_client)
    load = service.load

    async def stale_load(uow, customer_id):  # type: ignore[no-untyped-def]
        customer = await load(uow, customer_id)
        set_committed_value(customer, "version", customer.version - 1)
        return customer

    monkeypatch.setattr("crm_customer.customers.routes.service.load", stale_load)
    response = await customer_client.patch(
        f"/v1/customers/{created['id']}", json={"name": "B"}, headers={"If-Match": "*"}
    )
    assert_problem(response, 412, contains="changed by someone else")
    monkeypatch.undo()
    assert (await customer_client.get(f"/v1/customers/{created['id']}")).json()["name"] == "Ann Lee"


# --- search ---------------------------------------------------------------------------------


async def test_search_filters(customer_client: httpx.AsyncClient) -> None:
    ann = await create_customer(
        customer_client, name="Ann Lee", email="ann@example.org", phone="+14155550132",
        tags=["vip"], owner="maria", source="web", geographic={"city": "Berlin"},
        demographic={"industry": "Retail"},
    )  # fmt: skip
    bob = await create_customer(
        customer_client, kind="business", name="Bobcat Ltd", tags=["vip", "b2b"],
        lifecycle_stage="customer", behavioural={"brand_loyalty": "strong"},
    )  # fmt: skip
    await create_customer(customer_client, name="Carla Diaz", lifecycle_stage="prospect")

    async def ids(**params: object) -> list[str]:
        response = await customer_client.get("/v1/customers", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(name="LEE") == [ann["id"]]
    assert await ids(name="b") == [bob["id"]]
    assert await ids(email=" ANN@example.org") == [ann["id"]]
    assert await ids(phone="(415) 555-0132") == [ann["id"]]
    assert await ids(tag="VIP") == [ann["id"], bob["id"]]
    assert await ids(tag=["vip", "b2b"]) == [bob["id"]]
    assert await ids(stage="customer") == [bob["id"]]
    assert len(await ids(stage=["customer", "prospect"])) == 2
    assert await ids(kind="business") == [bob["id"]]
    assert await ids(owner="Maria") == [ann["id"]]
    assert await ids(source="web") == [ann["id"]]
    assert await ids(city="berlin") == [ann["id"]]
    assert await ids(industry="retail") == [ann["id"]]
    assert await ids(brand_loyalty="strong") == [bob["id"]]
    assert await ids(name="nobody") == []
    assert await ids(name="%") == []  # wildcards are literal
    names = [
        item["name"]
        for item in (await customer_client.get("/v1/customers?sort=-name")).json()["items"]
    ]
    assert names == ["Carla Diaz", "Bobcat Ltd", "Ann Lee"]

    assert_problem(await customer_client.get("/v1/customers", params={"phone": "xyz"}), 422)
    assert_problem(await customer_client.get("/v1/customers", params={"stage": "happy"}), 422)
    assert_problem(await customer_client.get("/v1/customers", params={"limit": 0}), 422)


@pytest.mark.parametrize("sort", ["created_at", "-created_at", "name", "-name"])
async def test_cursor_walks_every_customer_exactly_once(
    customer_client: httpx.AsyncClient, sort: str
) -> None:
    created = set()
    for index in range(7):
        # Repeated names: the id breaks the tie, so no row is lost or repeated between pages.
        created.add((await create_customer(customer_client, name=f"Name {index % 3}"))["id"])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
        page = (await customer_client.get("/v1/customers", params=params)).json()
        assert page["limit"] == 3
        seen.extend(item["id"] for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == created


async def test_bad_cursors_are_400(customer_client: httpx.AsyncClient) -> None:
    for _ in range(2):
        await create_customer(customer_client)
    page = (await customer_client.get("/v1/customers", params={"limit": 1})).json()
    assert_problem(await customer_client.get("/v1/customers", params={"cursor": "!!!"}), 400)
    other_sort = await customer_client.get(
        "/v1/customers", params={"cursor": page["next_cursor"], "sort": "name"}
    )
    assert_problem(other_sort, 400, contains="sort")


async def test_the_page_size_is_capped(customer_client: httpx.AsyncClient) -> None:
    response = await customer_client.get("/v1/customers", params={"limit": 100_000})
    assert response.json()["limit"] == 200

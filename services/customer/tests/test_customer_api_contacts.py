"""The contacts of an organisation customer over HTTP."""

import uuid

import httpx
from crm_shared.testing import assert_problem
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import create_customer, outbox_events


async def test_contacts_crud(customer_client: httpx.AsyncClient, customer_app: FastAPI) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    url = f"/v1/customers/{acme['id']}/contacts"
    created = await customer_client.post(
        url,
        json={
            "name": "Eve Stone",
            "email": "eve@acme.example",
            "phone": "+1 415 555 0199",
            "job_title": "CTO",
            "buying_roles": ["technical_evaluator", "decision_maker", "decision_maker"],
            "is_primary": True,
        },
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    assert created.headers["location"] == f"{url}/{contact['id']}"
    assert created.headers["etag"] == '"1"'
    assert contact["phone"] == "+14155550199"
    assert contact["buying_roles"] == ["technical_evaluator", "decision_maker"]

    second = (await customer_client.post(url, json={"name": "Bob", "is_primary": True})).json()
    first_again = (await customer_client.get(f"{url}/{contact['id']}")).json()
    assert first_again["is_primary"] is False  # one primary contact per customer
    assert second["is_primary"] is True

    listed = (await customer_client.get(url)).json()
    assert [c["name"] for c in listed["items"]] == ["Eve Stone", "Bob"]
    assert (listed["next_cursor"], listed["total"]) == (None, None)

    contact_url = f"{url}/{contact['id']}"
    etag = (await customer_client.get(contact_url)).headers["etag"]
    patched = await customer_client.patch(
        contact_url,
        json={"buying_roles": ["coach"], "notes": "champion"},
        headers={"If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["buying_roles"] == ["coach"]
    assert patched.headers["etag"] != etag

    assert_problem(await customer_client.patch(contact_url, json={"notes": "x"}), 428)
    assert_problem(
        await customer_client.patch(contact_url, json={"notes": "x"}, headers={"If-Match": etag}),
        412,
    )
    new_etag = patched.headers["etag"]
    for bad in ({"name": None}, {"buying_roles": ["boss"]}, {"phone": "123"}, {"extra": 1}):
        assert_problem(
            await customer_client.patch(contact_url, json=bad, headers={"If-Match": new_etag}), 422
        )

    assert_problem(await customer_client.delete(contact_url), 428)
    assert_problem(await customer_client.delete(contact_url, headers={"If-Match": "1"}), 400)
    deleted = await customer_client.delete(contact_url, headers={"If-Match": new_etag})
    assert deleted.status_code == 204
    assert_problem(await customer_client.get(contact_url), 404)
    assert_problem(await customer_client.delete(contact_url, headers={"If-Match": "*"}), 404)
    # Every change of a contact is published (the notes-only change of none: notes stay here).
    assert [e[0].removeprefix("crm.customer.") for e in await outbox_events(customer_app)] == [
        "created.v1",
        "contact_added.v1",
        "contact_added.v1",
        "contact_changed.v1",  # Eve is no longer the primary contact
        "contact_changed.v1",  # Eve's buying roles
        "contact_removed.v1",
    ]


async def test_contact_errors(customer_client: httpx.AsyncClient) -> None:
    person = await create_customer(customer_client)
    refused = await customer_client.post(
        f"/v1/customers/{person['id']}/contacts", json={"name": "Kid"}
    )
    assert_problem(refused, 409, contains="individual")
    acme = await create_customer(customer_client, kind="business", name="Acme")
    other = await create_customer(customer_client, kind="partner", name="Dist Co")
    url = f"/v1/customers/{acme['id']}/contacts"
    assert_problem(await customer_client.post(url, json={"email": "x@y.org"}), 422)
    assert_problem(
        await customer_client.post(url, json={"name": "A", "buying_roles": ["king"]}), 422
    )
    contact = (await customer_client.post(url, json={"name": "A"})).json()
    # A contact is found only under its own customer.
    assert_problem(
        await customer_client.get(f"/v1/customers/{other['id']}/contacts/{contact['id']}"), 404
    )
    assert_problem(await customer_client.get(f"{url}/{uuid.uuid4()}"), 404)
    assert_problem(await customer_client.get(f"/v1/customers/{uuid.uuid4()}/contacts"), 404)
    assert_problem(
        await customer_client.post(f"/v1/customers/{uuid.uuid4()}/contacts", json={"name": "A"}),
        404,
    )
    stale = await customer_client.delete(f"{url}/{contact['id']}", headers={"If-Match": '"9"'})
    assert_problem(stale, 412)


async def test_contact_create_honours_idempotency_key(customer_client: httpx.AsyncClient) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    url = f"/v1/customers/{acme['id']}/contacts"
    headers = {"Idempotency-Key": "contact-1"}
    first = await customer_client.post(url, json={"name": "A"}, headers=headers)
    again = await customer_client.post(url, json={"name": "A"}, headers=headers)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotency-replayed"] == "true"
    assert len((await customer_client.get(url)).json()["items"]) == 1


async def test_contacts_are_listed_in_pages(customer_client: httpx.AsyncClient) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    url = f"/v1/customers/{acme['id']}/contacts"
    names = [f"Person {index}" for index in range(5)]
    for name in names:
        assert (await customer_client.post(url, json={"name": name})).status_code == 201
    seen: list[str] = []
    cursor = ""  # an empty cursor is the first page
    while cursor is not None:
        page = await customer_client.get(url, params={"limit": 2, "cursor": cursor, "total": True})
        assert page.status_code == 200, page.text
        body = page.json()
        assert (body["limit"], body["total"]) == (2, 5)
        seen += [contact["name"] for contact in body["items"]]
        cursor = body["next_cursor"]
    assert seen == names
    assert_problem(await customer_client.get(url, params={"cursor": "bm9wZQ"}), 400)

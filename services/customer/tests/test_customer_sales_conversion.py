"""A converted lead (crm.sales.lead_converted.v1) becomes a customer, or links the one it
duplicates, and the master answers with crm.customer.lead_linked.v1, once per lead."""

import uuid

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.contracts.customer import CustomerLeadLinked
from crm_shared.testing.sales_fact_events import lead_converted
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import create_customer, if_match
from services.customer.tests.customer_sales_helpers import NOW, deliver_sales, published, sent


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


def new_id() -> str:
    return str(uuid.uuid4())


async def linked(app: FastAPI) -> list[CustomerLeadLinked]:
    return [p for _, p in await published(app, "lead_linked") if isinstance(p, CustomerLeadLinked)]


async def customer_count(client: httpx.AsyncClient) -> int:
    response = await client.get("/v1/customers", params={"total": "true"})
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


async def test_a_converted_lead_becomes_a_prospect_customer(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    lead_id, opportunity_id = new_id(), new_id()
    [envelope] = sent(
        lead_converted(
            lead_id, opportunity_id, phone="(415) 555-0123", source="website", owner="ann"
        )
    )

    await deliver_sales(customer_app, envelope)

    [(created_envelope, created)] = await published(customer_app, "created")
    [(answer_envelope, answer)] = await published(customer_app, "lead_linked")
    assert isinstance(answer, CustomerLeadLinked)
    assert (answer.lead_id, answer.opportunity_id, answer.created) == (
        lead_id,
        opportunity_id,
        True,
    )
    assert answer.customer_id == created.customer_id  # type: ignore[attr-defined]
    # Both answer the conversion: same correlation, caused by it.
    for caused in (answer_envelope, created_envelope):
        assert caused.causationid == str(envelope.id)
        assert caused.correlationid == str(envelope.id)
    customer = (await customer_client.get(f"/v1/customers/{answer.customer_id}")).json()
    assert (customer["kind"], customer["name"], customer["lifecycle_stage"]) == (
        "individual",
        "Ada Lovelace",
        "prospect",
    )
    assert (customer["email"], customer["phone"]) == ("ada@example.com", "+14155550123")
    assert (customer["source"], customer["owner"]) == ("web", "ann")
    assert answer.customer_version == customer["version"]
    history = (await customer_client.get(f"/v1/customers/{answer.customer_id}/lifecycle")).json()
    assert [h["transition"] for h in history["history"]] == ["created"]


async def test_a_lead_with_a_company_becomes_a_business_with_its_person_as_contact(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    await deliver_sales(
        customer_app,
        lead_converted(new_id(), new_id(), company="Acme Ltd", source="trade show"),
    )

    [answer] = await linked(customer_app)
    customer = (await customer_client.get(f"/v1/customers/{answer.customer_id}")).json()
    assert (customer["kind"], customer["name"], customer["source"]) == (
        "business",
        "Acme Ltd",
        "campaign",
    )
    contacts = (await customer_client.get(f"/v1/customers/{answer.customer_id}/contacts")).json()
    assert [(c["name"], c["email"], c["is_primary"]) for c in contacts["items"]] == [
        ("Ada Lovelace", "ada@example.com", True)
    ]


async def test_a_duplicate_is_linked_not_created(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    by_email = await create_customer(customer_client, email="ADA@Example.com ")
    by_phone = await create_customer(customer_client, name="Bo", phone="+1 415 555 0199")

    await deliver_sales(
        customer_app,
        lead_converted(new_id(), new_id(), name="Ada L.", email="ada@example.com"),
        lead_converted(new_id(), new_id(), name="Bo", email=None, phone="4155550199"),
    )

    answers = await linked(customer_app)
    assert [(a.customer_id, a.created) for a in answers] == [
        (by_email["id"], False),
        (by_phone["id"], False),
    ]
    assert len(await published(customer_app, "created")) == 2  # the two made over HTTP
    assert await customer_count(customer_client) == 2


async def test_redelivery_and_a_second_conversion_event_create_nothing(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    lead_id, opportunity_id = new_id(), new_id()
    [envelope] = sent(lead_converted(lead_id, opportunity_id))
    await deliver_sales(customer_app, envelope)

    # The same event again (the inbox drops it), then a new event about the same lead (the
    # sales service retried the conversion): the same answer again, nothing created.
    assert await deliver_sales(customer_app, envelope) == []
    await deliver_sales(
        customer_app, lead_converted(lead_id, opportunity_id, email="x@example.com")
    )

    first, second = await linked(customer_app)
    assert (second.customer_id, second.lead_id, second.created) == (
        first.customer_id,
        lead_id,
        True,
    )
    assert len(await published(customer_app, "created")) == 1
    assert await customer_count(customer_client) == 1


async def test_two_leads_of_one_person_in_one_run_make_one_customer(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    await deliver_sales(
        customer_app,
        lead_converted(new_id(), new_id()),
        lead_converted(new_id(), new_id()),
        one_run=True,
    )

    first, second = await linked(customer_app)
    assert (first.created, second.created) == (True, False)
    assert first.customer_id == second.customer_id
    assert await customer_count(customer_client) == 1


async def test_a_lead_of_an_existing_customer_links_it_or_its_survivor(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    survivor = await create_customer(customer_client, name="Survivor")
    alias = await create_customer(customer_client, name="Alias")
    url = f"/v1/customers/{survivor['id']}"
    merged = await customer_client.post(
        f"{url}/merge",
        json={"duplicate_id": alias["id"]},
        headers=await if_match(customer_client, url),
    )
    assert merged.status_code == 200, merged.text

    await deliver_sales(
        customer_app,
        lead_converted(new_id(), new_id(), customer_id=survivor["id"]),
        lead_converted(new_id(), new_id(), customer_id=alias["id"], email=None),
    )

    answers = await linked(customer_app)
    assert [(a.customer_id, a.created) for a in answers] == [
        (survivor["id"], False),
        (survivor["id"], False),
    ]
    assert len(await published(customer_app, "created")) == 2  # the two made over HTTP


async def test_an_unknown_customer_id_is_created_an_erased_one_is_not_brought_back(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    erased = await create_customer(customer_client, name="Gone", email="gone@example.com")
    url = f"/v1/customers/{erased['id']}"
    response = await customer_client.post(
        f"{url}/erasure", json={"reason": "request"}, headers=await if_match(customer_client, url)
    )
    assert response.status_code == 200, response.text

    await deliver_sales(
        customer_app,
        lead_converted(new_id(), new_id(), customer_id=erased["id"], email="gone@example.com"),
        lead_converted(new_id(), new_id(), customer_id=new_id(), email="new@example.com"),
    )

    [answer] = await linked(customer_app)
    assert answer.created is True
    assert answer.customer_id != erased["id"]


async def test_contact_points_the_master_refuses_are_left_out(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    await deliver_sales(
        customer_app,
        lead_converted(
            new_id(), new_id(), email="ada@localhost", phone="12", source="carrier pigeon"
        ),
    )

    [answer] = await linked(customer_app)
    customer = (await customer_client.get(f"/v1/customers/{answer.customer_id}")).json()
    assert (customer["email"], customer["phone"], customer["source"]) == (None, None, None)

"""Converting a lead: the opportunity it opens, the events, converting twice, and the
customer master's answer (crm.customer.lead_linked.v1) attaching the customer to the lead
and its opportunity, once however often it is delivered."""

import httpx
from crm_sales.app import create_app
from crm_sales.handlers import handlers
from crm_sales.opportunities.models import Opportunity
from crm_sales.settings import SalesSettings
from crm_shared.contracts.customer import CustomerLeadLinked
from crm_shared.testing import (
    app_client,
    assert_problem,
    bearer,
    created,
    deliver,
    deliveries_of,
    merged,
    outbox_events,
    token_for,
    uid,
)
from fastapi import FastAPI

from services.sales.tests.sales_builders_leads import create_activity, create_lead, deliver_events

DEAL = {"opportunity": {"name": "Initech rollout", "amount": "12000.00"}}


async def opportunity(app: FastAPI, opportunity_id: str) -> Opportunity:
    async with app.state.runtime.session_factory() as session:
        found = await session.get(Opportunity, opportunity_id)
    assert found is not None
    return found


async def test_convert_opens_the_opportunity(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    lead = await create_lead(sales_client, owner="ann", email="ann@initech.example.com")
    url = f"/v1/leads/{lead['id']}/convert"
    response = await sales_client.post(url, json=DEAL, headers={"If-Match": '"1"'})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["customer_id"] is None
    assert body["lead"]["status"] == "converted"
    assert body["lead"]["opportunity_id"] == body["opportunity_id"]
    assert response.headers["location"] == f"/v1/opportunities/{body['opportunity_id']}"
    opened = await opportunity(sales_app, body["opportunity_id"])
    assert (opened.stage, opened.probability, opened.owner) == ("contact", 0.1, "ann")
    assert (str(opened.amount), opened.currency, opened.lead_id) == ("12000.00", "EUR", lead["id"])

    converted = await outbox_events(sales_app, "lead_converted")
    assert [event.payload.opportunity_id for event in converted] == [body["opportunity_id"]]
    assert converted[0].key == lead["id"]  # nobody's customer yet: keyed by the lead
    assert converted[0].payload.lead.email == "ann@initech.example.com"
    assert len(await outbox_events(sales_app, "opportunity_opened")) == 1

    twice = await sales_client.post(url, json=DEAL, headers={"If-Match": "*"})
    problem = assert_problem(twice, 409, contains=body["opportunity_id"])
    assert problem["opportunity_id"] == body["opportunity_id"]


async def test_a_known_customer_converts_with_its_id(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    customer = uid("c1")
    await deliver_events(sales_app, created(customer, email="ada@example.org"))
    lead = await create_lead(sales_client, email="ada@example.org")
    response = await sales_client.post(
        f"/v1/leads/{lead['id']}/convert",
        json={"opportunity": {**DEAL["opportunity"], "currency": "USD"}},
        headers={"If-Match": '"1"'},
    )
    assert response.json()["customer_id"] == customer
    event = (await outbox_events(sales_app, "lead_converted"))[0]
    assert (event.key, event.payload.customer_id) == (customer, customer)
    assert (await opportunity(sales_app, response.json()["opportunity_id"])).currency == "USD"


async def test_bad_conversions_are_refused(sales_client: httpx.AsyncClient) -> None:
    lead = await create_lead(sales_client)
    url = f"/v1/leads/{lead['id']}/convert"
    no_amount = {"opportunity": {"name": "X", "amount": "-1"}}
    assert_problem(await sales_client.post(url, json=no_amount, headers={"If-Match": "*"}), 422)
    assert_problem(await sales_client.post(url, json=DEAL), 428)
    await sales_client.post(f"/v1/leads/{lead['id']}/disqualify", json={"reason": "spam"},
                            headers={"If-Match": "*"})  # fmt: skip
    closed = await sales_client.post(url, json=DEAL, headers={"If-Match": "*"})
    assert_problem(closed, 409, contains="allowed: none")


async def test_the_masters_answer_links_lead_opportunity_and_activities_once(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    lead = await create_lead(sales_client, email="new@initech.example.com")
    call = await create_activity(sales_client, kind="call", subject="Intro", lead_id=lead["id"])
    response = await sales_client.post(
        f"/v1/leads/{lead['id']}/convert", json=DEAL, headers={"If-Match": '"1"'}
    )
    opportunity_id = response.json()["opportunity_id"]
    customer = uid("new")
    answer = CustomerLeadLinked(
        customer_id=customer,
        customer_version=1,
        lead_id=lead["id"],
        opportunity_id=opportunity_id,
        created=True,
    )
    assert await deliver_events(sales_app, answer) == 1
    linked = (await sales_client.get(f"/v1/leads/{lead['id']}")).json()
    assert (linked["customer_id"], linked["version"]) == (customer, 3)
    assert (await opportunity(sales_app, opportunity_id)).customer_id == customer
    activity = (await sales_client.get(f"/v1/activities/{call['id']}")).json()
    assert activity["customer_id"] == customer
    changed = await outbox_events(sales_app, "opportunity_changed")
    assert [event.payload.changed_fields for event in changed] == [["customer_id"]]
    assert changed[0].key == customer

    # The same answer again as a new envelope (the inbox does not know it): nothing moves.
    assert await deliver_events(sales_app, answer) == 1
    again = (await sales_client.get(f"/v1/leads/{lead['id']}")).json()
    assert again["version"] == 3
    assert len(await outbox_events(sales_app, "opportunity_changed")) == 1
    assert len(await outbox_events(sales_app, "lead_changed")) == 1


async def test_an_answer_overtaken_by_a_merge_links_the_survivor(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    """The master made the customer, then merged it into another; sales read the merge first
    (it travels under the survivor's key, the answer under the alias's)."""
    lead = await create_lead(sales_client, email="late@initech.example.com")
    call = await create_activity(sales_client, kind="call", subject="Intro", lead_id=lead["id"])
    response = await sales_client.post(
        f"/v1/leads/{lead['id']}/convert", json=DEAL, headers={"If-Match": '"1"'}
    )
    opportunity_id = response.json()["opportunity_id"]
    alias, survivor = uid("alias"), uid("survivor")
    await deliver_events(sales_app, created(alias), created(survivor), merged(survivor, alias, 2))
    answer = CustomerLeadLinked(
        customer_id=alias, customer_version=1, lead_id=lead["id"],
        opportunity_id=opportunity_id, created=True,
    )  # fmt: skip
    await deliver_events(sales_app, answer)

    assert (await sales_client.get(f"/v1/leads/{lead['id']}")).json()["customer_id"] == survivor
    assert (await opportunity(sales_app, opportunity_id)).customer_id == survivor
    activity = (await sales_client.get(f"/v1/activities/{call['id']}")).json()
    assert activity["customer_id"] == survivor


async def test_a_rep_converting_a_pool_lead_takes_the_deal(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    lead = await create_lead(sales_client, owner=None)
    rep = bearer(token_for("sales", subject="ann"))
    response = await sales_client.post(
        f"/v1/leads/{lead['id']}/convert", json=DEAL, headers={**rep, "If-Match": '"1"'}
    )
    assert response.status_code == 201, response.text
    assert (await opportunity(sales_app, response.json()["opportunity_id"])).owner == "ann"


async def test_a_restart_between_conversion_and_answer_loses_nothing(
    sales_settings: SalesSettings,
) -> None:
    """The conversion commits its event in the outbox; the service stops before the answer
    comes; the restarted service applies the answer, once however often it is delivered."""
    first = create_app(sales_settings, run_bus=False)
    async with first.router.lifespan_context(first), app_client(first, "http://sales") as client:
        lead = await create_lead(client, email="restart@initech.example.com")
        response = await client.post(
            f"/v1/leads/{lead['id']}/convert", json=DEAL, headers={"If-Match": '"1"'}
        )
        opportunity_id = response.json()["opportunity_id"]

    again = create_app(sales_settings, run_bus=False)
    async with again.router.lifespan_context(again), app_client(again, "http://sales") as client:
        pending = await outbox_events(again, "lead_converted")
        assert [event.payload.opportunity_id for event in pending] == [opportunity_id]
        customer = uid("restart")
        answer = deliveries_of(
            CustomerLeadLinked(
                customer_id=customer, customer_version=1, lead_id=lead["id"],
                opportunity_id=opportunity_id, created=True,
            )
        )  # fmt: skip
        unit_of_work = again.state.runtime.unit_of_work
        assert len(await deliver(unit_of_work, handlers, answer)) == 1
        assert await deliver(unit_of_work, handlers, answer) == []  # the inbox knows it
        linked = (await client.get(f"/v1/leads/{lead['id']}")).json()
        assert linked["customer_id"] == customer
        assert (await opportunity(again, opportunity_id)).customer_id == customer

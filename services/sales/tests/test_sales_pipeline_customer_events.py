"""Opportunities and the customer master's events: a merge moves the merged customer's
opportunities to the survivor (each published), an erasure scrubs the free text about the
deals; and the use cases other aggregates call (a conversion's open and attach, an accepted
quote's close_won)."""

from decimal import Decimal

import httpx
import pytest
from crm_sales.handlers import handlers
from crm_sales.models import platform_tables
from crm_sales.opportunities import service
from crm_sales.settings import SalesSettings
from crm_shared.clock import Clock
from crm_shared.testing import deliver, deliveries_of, erased, merged, outbox_events, uid
from fastapi import FastAPI
from sqlalchemy import select

from services.sales.tests.sales_builders_pipeline import (
    CUSTOMER,
    fake_clock,
    know_customers,
    move,
    open_opportunity,
)

SURVIVOR = uid("survivor")
OTHER = uid("other")


@pytest.fixture
def clock() -> Clock:
    return fake_clock()


@pytest.fixture(autouse=True)
async def known(sales_app: FastAPI) -> None:
    await know_customers(sales_app, (CUSTOMER, None), (SURVIVOR, None), (OTHER, None))


async def read(client: httpx.AsyncClient, opportunity_id: str) -> dict[str, object]:
    response = await client.get(f"/v1/opportunities/{opportunity_id}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_merge_moves_open_and_closed_opportunities_to_the_survivor(
    sales_client: httpx.AsyncClient, sales_app: FastAPI
) -> None:
    open_one = await open_opportunity(sales_client, name="open")
    won = await open_opportunity(sales_client, name="won")
    await move(sales_client, won["id"], stage="won")
    elsewhere = await open_opportunity(sales_client, name="elsewhere", customer_id=OTHER)
    merge = deliveries_of(merged(SURVIVOR, CUSTOMER, 2))
    await deliver(sales_app.state.runtime.unit_of_work, handlers, merge)

    for opportunity in (open_one, won):
        assert (await read(sales_client, opportunity["id"]))["customer_id"] == SURVIVOR
    assert (await read(sales_client, elsewhere["id"]))["customer_id"] == OTHER
    assert (await read(sales_client, open_one["id"]))["version"] == 2
    events = await outbox_events(sales_app, "opportunity_changed")
    assert sorted(e.payload.record_id for e in events) == sorted([open_one["id"], won["id"]])
    for event in events:
        assert event.key == SURVIVOR  # filed under the survivor, ordered with its events
        assert event.payload.changed_fields == ["customer_id"]
        assert event.envelope.causationid == str(merge[0].envelope.id)
    # A redelivered merge changes nothing.
    await deliver(sales_app.state.runtime.unit_of_work, handlers, merge)
    assert len(await outbox_events(sales_app, "opportunity_changed")) == 2


async def test_an_erasure_scrubs_names_and_reasons_of_that_customer_only(
    sales_client: httpx.AsyncClient, sales_app: FastAPI
) -> None:
    lost = await open_opportunity(sales_client, name="Ada's kitchen")
    await move(sales_client, lost["id"], stage="lost", loss_reason="Ada's husband said no")
    guessed = await open_opportunity(sales_client, name="guessed")
    await move(sales_client, guessed["id"], probability=0.3, probability_reason="Ada is ill")
    await move(sales_client, guessed["id"], stage="quote", stage_reason="Ada called back")
    await move(sales_client, guessed["id"], probability=0.9, probability_reason="Ada agreed")
    theirs = await open_opportunity(sales_client, name="theirs", customer_id=OTHER)
    await move(sales_client, theirs["id"], stage="lost", loss_reason="Bob chose Globex")

    erasure = erased(CUSTOMER, 3)
    await deliver(sales_app.state.runtime.unit_of_work, handlers, deliveries_of(erasure))

    lost_now = await read(sales_client, lost["id"])
    assert lost_now["loss_reason"] == "[erased]"
    assert lost_now["name"] == "[erased]"  # a person's deal is often named after them
    assert lost_now["stage"] == "lost"
    guessed_now = await read(sales_client, guessed["id"])
    assert guessed_now["probability_reason"] is None
    assert guessed_now["probability"] == 0.9  # the number names nobody
    for opportunity_id in (lost["id"], guessed["id"]):
        history = (await sales_client.get(f"/v1/opportunities/{opportunity_id}/history")).json()
        assert all(change["reason"] is None for change in history["changes"])
    assert (await read(sales_client, theirs["id"]))["loss_reason"] == "Bob chose Globex"
    assert (await read(sales_client, theirs["id"]))["name"] == "theirs"
    audit = platform_tables.audit_entries
    async with sales_app.state.runtime.session_factory() as session:
        rows = (await session.execute(select(audit.c.record_id, audit.c.changes))).all()
    ours = [str(changes) for record_id, changes in rows if record_id in (lost["id"], guessed["id"])]
    assert ours
    assert not any("Ada" in changes for changes in ours)
    assert any("Bob chose Globex" in str(changes) for _, changes in rows)
    # The same erasure again (a replay: a new delivery) finds nothing left to change.
    await deliver(sales_app.state.runtime.unit_of_work, handlers, deliveries_of(erasure))
    assert (await read(sales_client, lost["id"]))["version"] == lost_now["version"]


async def test_conversion_opens_without_a_customer_and_attaches_it_once(
    sales_app: FastAPI, sales_settings: SalesSettings
) -> None:
    runtime = sales_app.state.runtime
    async with runtime.unit_of_work() as uow:
        opened = await service.open_opportunity(
            uow,
            sales_settings,
            name="From a lead",
            amount=Decimal("750"),
            currency=None,
            customer_id=None,
            lead_id=uid("lead"),
            owner="ann",
            actor="ann",
        )
        await uow.commit()
    assert (opened.customer_id, opened.weighted_amount, opened.currency) == (
        None,
        Decimal("75.00"),
        "EUR",
    )
    [event] = await outbox_events(sales_app, "opportunity_opened")
    assert event.key == opened.id  # nobody's customer yet: keyed by the record
    for expected_change in (True, False):
        async with runtime.unit_of_work() as uow:
            attached = await service.attach_customer(uow, opened.id, CUSTOMER)
            await uow.commit()
        assert (attached is not None) is expected_change
    [changed] = await outbox_events(sales_app, "opportunity_changed")
    assert changed.payload.changed_fields == ["customer_id"]
    assert changed.key == CUSTOMER
    async with runtime.unit_of_work() as uow:
        assert await service.attach_customer(uow, uid("missing"), CUSTOMER) is None


async def test_close_won_closes_an_open_one_and_leaves_a_closed_one(
    sales_client: httpx.AsyncClient, sales_app: FastAPI, sales_settings: SalesSettings
) -> None:
    open_one = await open_opportunity(sales_client, stage="quote")
    lost = await open_opportunity(sales_client)
    await move(sales_client, lost["id"], stage="lost", loss_reason="price")
    runtime = sales_app.state.runtime
    async with runtime.unit_of_work() as uow:
        won = await service.close_won(uow, sales_settings, open_one["id"], "ann", "quote accepted")
        untouched = await service.close_won(uow, sales_settings, lost["id"], "ann", "late")
        missing = await service.close_won(uow, sales_settings, uid("nope"), "ann", None)
        await uow.commit()
    assert won is not None
    assert (untouched, missing) == (None, None)
    now = await read(sales_client, open_one["id"])
    assert (now["stage"], now["probability"], now["weighted_amount"]) == ("won", 1.0, "1000.00")
    history = (await sales_client.get(f"/v1/opportunities/{open_one['id']}/history")).json()
    assert history["changes"][-1]["reason"] == "quote accepted"
    assert (await read(sales_client, lost["id"]))["stage"] == "lost"

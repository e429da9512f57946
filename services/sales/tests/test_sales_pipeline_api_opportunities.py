"""The opportunity API: open, read with its ETag, list, move through the stages with the
stages' probabilities, loss reasons, reopening, probability overrides and the history."""

from datetime import timedelta

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing import outbox_events, uid
from fastapi import FastAPI

from services.sales.tests.sales_builders_pipeline import (
    CUSTOMER,
    assert_problem,
    fake_clock,
    know_customers,
    move,
    open_opportunity,
    patch,
)


@pytest.fixture
def clock() -> Clock:
    return fake_clock()


@pytest.fixture(autouse=True)
async def known(sales_app: FastAPI) -> None:
    await know_customers(sales_app, (CUSTOMER, None))


async def test_open_answers_the_contract(
    sales_client: httpx.AsyncClient, sales_app: FastAPI
) -> None:
    opened = await open_opportunity(
        sales_client, amount="12500.00", expected_close_date="2026-12-15"
    )
    assert opened["stage"] == "contact"
    assert opened["probability"] == 0.1
    assert opened["weighted_amount"] == "1250.00"
    assert opened["currency"] == "EUR"
    assert opened["customer_id"] == CUSTOMER
    read = await sales_client.get(f"/v1/opportunities/{opened['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    events = await outbox_events(sales_app, "opportunity_opened")
    assert len(events) == 1
    assert events[0].key == CUSTOMER
    assert (
        events[0].payload.opportunity.weighted_amount == opened["weighted_amount"]
        or str(events[0].payload.opportunity.weighted_amount) == "1250.00"
    )


async def test_unknown_customer_is_422(sales_client: httpx.AsyncClient) -> None:
    response = await sales_client.post(
        "/v1/opportunities", json={"customer_id": uid("nobody"), "name": "X", "amount": "1.00"}
    )
    assert_problem(response, 422, contains="unknown customer")


async def test_stage_quote_gives_its_probability(sales_client: httpx.AsyncClient) -> None:
    opened = await open_opportunity(sales_client)
    moved = await move(sales_client, opened["id"], stage="quote")
    assert moved["probability"] == 0.6
    assert moved["weighted_amount"] == "600.00"


async def test_lost_without_reason_is_422(sales_client: httpx.AsyncClient) -> None:
    opened = await open_opportunity(sales_client)
    response = await patch(sales_client, opened["id"], {"stage": "lost"})
    assert_problem(response, 422, contains="loss_reason")


async def test_unknown_stage_is_422(sales_client: httpx.AsyncClient) -> None:
    opened = await open_opportunity(sales_client)
    response = await patch(sales_client, opened["id"], {"stage": "dreaming"})
    assert_problem(response, 422)


async def test_history_times_each_stage(sales_client: httpx.AsyncClient, clock: FakeClock) -> None:
    opened = await open_opportunity(sales_client)
    clock.advance(days=2)
    await move(sales_client, opened["id"], stage="proposal")
    clock.advance(days=3)
    history = (await sales_client.get(f"/v1/opportunities/{opened['id']}/history")).json()
    assert [c["to_stage"] for c in history["changes"]] == ["contact", "proposal"]
    assert history["changes"][0]["seconds_in_stage"] == timedelta(days=2).total_seconds()
    assert history["changes"][1]["current"] is True
    assert history["changes"][1]["seconds_in_stage"] == timedelta(days=3).total_seconds()

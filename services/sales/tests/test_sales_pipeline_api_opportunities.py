"""The opportunity API: open, read with its ETag, move through the stages with the stages'
probabilities, loss reasons, reopening, probability overrides, the history and the events."""

from datetime import timedelta

import httpx
import pytest
from crm_sales.handlers import handlers
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing import assert_problem, deliver, deliveries_of, merged, outbox_events, uid
from fastapi import FastAPI

from services.sales.tests.sales_builders_pipeline import (
    CUSTOMER,
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
        sales_client, amount="12500.00", expected_close_date="2026-12-15", competitor="Globex"
    )
    assert opened["stage"] == "contact"
    assert opened["probability"] == 0.1
    assert opened["weighted_amount"] == "1250.00"
    assert opened["amount"] == "12500.00"
    assert opened["currency"] == "EUR"
    assert opened["customer_id"] == CUSTOMER
    assert opened["competitor"] == "Globex"
    read = await sales_client.get(f"/v1/opportunities/{opened['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json() == opened
    [event] = await outbox_events(sales_app, "opportunity_opened")
    assert event.key == CUSTOMER
    assert event.topic == "crm.sales"
    assert str(event.payload.opportunity.weighted_amount) == "1250.00"
    history = (await sales_client.get(f"/v1/opportunities/{opened['id']}/history")).json()
    assert [(c["from_stage"], c["to_stage"]) for c in history["changes"]] == [(None, "contact")]


async def test_open_at_a_later_stage_in_another_currency(sales_client: httpx.AsyncClient) -> None:
    opened = await open_opportunity(sales_client, stage="proposal", currency="USD")
    assert (opened["stage"], opened["probability"], opened["currency"]) == ("proposal", 0.4, "USD")
    assert opened["weighted_amount"] == "400.00"


async def test_open_refuses_a_closed_stage_bad_money_and_unknown_fields(
    sales_client: httpx.AsyncClient,
) -> None:
    base = {"customer_id": CUSTOMER, "name": "X", "amount": "10.00"}
    for bad in (
        {"stage": "won"},
        {"stage": "maybe"},
        {"amount": "10.123"},
        {"amount": 10.5},
        {"amount": "-1.00"},
        {"currency": "EURO"},
        {"probability": 0.5},
        {"name": "  "},
        {"expected_close_date": 0},
        {"expected_close_date": "31.12.2026"},
    ):
        response = await sales_client.post("/v1/opportunities", json={**base, **bad})
        assert_problem(response, 422)


async def test_unknown_customer_is_422(sales_client: httpx.AsyncClient) -> None:
    response = await sales_client.post(
        "/v1/opportunities", json={"customer_id": uid("nobody"), "name": "X", "amount": "1.00"}
    )
    assert_problem(response, 422, contains="unknown customer")


async def test_a_merged_customer_opens_on_the_survivor(
    sales_client: httpx.AsyncClient, sales_app: FastAPI
) -> None:
    survivor = uid("survivor")
    await know_customers(sales_app, (survivor, None))
    await deliver(
        sales_app.state.runtime.unit_of_work,
        handlers,
        deliveries_of(merged(survivor, CUSTOMER, 2)),
    )
    opened = await open_opportunity(sales_client)
    assert opened["customer_id"] == survivor


async def test_an_idempotency_key_opens_once(sales_client: httpx.AsyncClient) -> None:
    body = {"customer_id": CUSTOMER, "name": "Once", "amount": "5.00"}
    headers = {"Idempotency-Key": "open-once"}
    first = await sales_client.post("/v1/opportunities", json=body, headers=headers)
    again = await sales_client.post("/v1/opportunities", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    listed = (await sales_client.get("/v1/opportunities", params={"total": "true"})).json()
    assert listed["total"] == 1


async def test_missing_opportunity_is_404(sales_client: httpx.AsyncClient) -> None:
    missing = uid("missing")
    assert_problem(await sales_client.get(f"/v1/opportunities/{missing}"), 404)
    assert_problem(await sales_client.get(f"/v1/opportunities/{missing}/history"), 404)
    response = await sales_client.patch(
        f"/v1/opportunities/{missing}", json={"stage": "quote"}, headers={"If-Match": '"1"'}
    )
    assert_problem(response, 404)


async def test_patch_needs_the_current_version(sales_client: httpx.AsyncClient) -> None:
    opened = await open_opportunity(sales_client)
    url = f"/v1/opportunities/{opened['id']}"
    assert_problem(await sales_client.patch(url, json={"stage": "quote"}), 428)
    await move(sales_client, opened["id"], name="Renamed")
    stale = await sales_client.patch(url, json={"stage": "quote"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412)


async def test_stage_quote_gives_its_probability(
    sales_client: httpx.AsyncClient, sales_app: FastAPI
) -> None:
    opened = await open_opportunity(sales_client)
    moved = await move(sales_client, opened["id"], stage="quote")
    assert moved["probability"] == 0.6
    assert moved["weighted_amount"] == "600.00"
    assert moved["version"] == 2
    [event] = await outbox_events(sales_app, "opportunity_stage_changed")
    assert (event.payload.from_stage, event.payload.to_stage) == ("contact", "quote")
    assert event.payload.opportunity.version == 2
    assert event.key == CUSTOMER


async def test_lost_without_reason_is_422(sales_client: httpx.AsyncClient) -> None:
    opened = await open_opportunity(sales_client)
    response = await patch(sales_client, opened["id"], {"stage": "lost"})
    body = assert_problem(response, 422, contains="loss_reason")
    assert body["errors"][0]["location"] == "body.loss_reason"


async def test_unknown_stage_is_422(sales_client: httpx.AsyncClient) -> None:
    opened = await open_opportunity(sales_client)
    response = await patch(sales_client, opened["id"], {"stage": "dreaming"})
    assert_problem(response, 422)
    assert_problem(await patch(sales_client, opened["id"], {"stage": None}), 422)


async def test_lost_closes_with_the_reason_and_zero_probability(
    sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    opened = await open_opportunity(sales_client)
    clock.advance(days=1)
    lost = await move(sales_client, opened["id"], stage="lost", loss_reason="price too high")
    assert (lost["stage"], lost["probability"], lost["weighted_amount"]) == ("lost", 0.0, "0.00")
    assert lost["loss_reason"] == "price too high"
    assert lost["closed_at"] is not None
    corrected = await move(sales_client, opened["id"], loss_reason="price, and delivery time")
    assert corrected["loss_reason"] == "price, and delivery time"
    assert_problem(await patch(sales_client, opened["id"], {"loss_reason": None}), 422)


async def test_a_loss_reason_goes_with_lost_only(sales_client: httpx.AsyncClient) -> None:
    opened = await open_opportunity(sales_client)
    response = await patch(sales_client, opened["id"], {"loss_reason": "no reason yet"})
    assert_problem(response, 422, contains="loss_reason")


async def test_won_is_reopened_only_explicitly(
    sales_client: httpx.AsyncClient, sales_app: FastAPI
) -> None:
    opened = await open_opportunity(sales_client)
    won = await move(sales_client, opened["id"], stage="won")
    assert (won["probability"], won["weighted_amount"]) == (1.0, "1000.00")
    assert_problem(await patch(sales_client, opened["id"], {"stage": "negotiation"}), 422)
    assert_problem(
        await patch(sales_client, opened["id"], {"stage": "lost", "loss_reason": "x"}), 422
    )
    reopened = await move(
        sales_client, opened["id"], stage="negotiation", stage_reason="the contract fell through"
    )
    assert (reopened["stage"], reopened["probability"], reopened["closed_at"]) == (
        "negotiation",
        0.8,
        None,
    )
    history = (await sales_client.get(f"/v1/opportunities/{opened['id']}/history")).json()
    assert history["changes"][-1]["reason"] == "the contract fell through"
    assert history["changes"][-1]["from_stage"] == "won"


async def test_a_reopened_lost_deal_forgets_its_loss_reason_the_history_keeps_it(
    sales_client: httpx.AsyncClient,
) -> None:
    opened = await open_opportunity(sales_client)
    await move(sales_client, opened["id"], stage="lost", loss_reason="budget frozen")
    reopened = await move(sales_client, opened["id"], stage="proposal", stage_reason="budget back")
    assert reopened["loss_reason"] is None
    history = (await sales_client.get(f"/v1/opportunities/{opened['id']}/history")).json()
    assert [c["reason"] for c in history["changes"]] == ["opened", "budget frozen", "budget back"]


async def test_probability_override_needs_a_reason_and_clears_back(
    sales_client: httpx.AsyncClient, sales_app: FastAPI
) -> None:
    opened = await open_opportunity(sales_client, amount="2000.00", stage="proposal")
    assert_problem(await patch(sales_client, opened["id"], {"probability": 0.35}), 422)
    assert_problem(
        await patch(sales_client, opened["id"], {"probability": 1.5, "probability_reason": "x"}),
        422,
    )
    assert_problem(await patch(sales_client, opened["id"], {"probability_reason": "x"}), 422)
    overridden = await move(
        sales_client, opened["id"], probability=0.35, probability_reason="champion left"
    )
    assert overridden["probability"] == 0.35
    assert overridden["probability_overridden"] is True
    assert overridden["probability_reason"] == "champion left"
    assert overridden["weighted_amount"] == "700.00"
    [changed] = await outbox_events(sales_app, "opportunity_changed")
    assert "probability" in changed.payload.changed_fields
    assert changed.payload.opportunity.probability_overridden is True
    cleared = await move(sales_client, opened["id"], probability=None)
    assert (cleared["probability"], cleared["probability_overridden"]) == (0.4, False)
    assert cleared["probability_reason"] is None
    assert cleared["weighted_amount"] == "800.00"


async def test_a_stage_move_resets_the_override_and_says_so(
    sales_client: httpx.AsyncClient,
) -> None:
    opened = await open_opportunity(sales_client)
    await move(sales_client, opened["id"], probability=0.5, probability_reason="strong fit")
    moved = await move(sales_client, opened["id"], stage="proposal")
    assert (moved["probability"], moved["probability_overridden"]) == (0.4, False)
    history = (await sales_client.get(f"/v1/opportunities/{opened['id']}/history")).json()
    assert "override reset" in history["changes"][-1]["reason"]
    # An override sent with the move applies after it.
    both = await move(
        sales_client, opened["id"], stage="quote", probability=0.7, probability_reason="verbal yes"
    )
    assert (both["stage"], both["probability"], both["probability_overridden"]) == (
        "quote",
        0.7,
        True,
    )


async def test_no_override_on_a_closed_opportunity(sales_client: httpx.AsyncClient) -> None:
    opened = await open_opportunity(sales_client)
    await move(sales_client, opened["id"], stage="won")
    response = await patch(
        sales_client, opened["id"], {"probability": 0.5, "probability_reason": "x"}
    )
    assert_problem(response, 422, contains="fixed")


async def test_field_changes_reweigh_and_publish_what_changed(
    sales_client: httpx.AsyncClient, sales_app: FastAPI
) -> None:
    opened = await open_opportunity(sales_client, stage="quote")
    changed = await move(
        sales_client,
        opened["id"],
        amount="5000.00",
        currency="USD",
        name="Fleet renewal, 50 vans",
        expected_close_date="2027-01-31",
        competitor="Initech",
    )
    assert (changed["amount"], changed["weighted_amount"], changed["currency"]) == (
        "5000.00",
        "3000.00",
        "USD",
    )
    [event] = await outbox_events(sales_app, "opportunity_changed")
    assert event.payload.changed_fields == [
        "amount",
        "competitor",
        "currency",
        "expected_close_date",
        "name",
        "weighted_amount",
    ]
    cleared = await move(sales_client, opened["id"], expected_close_date=None, competitor=None)
    assert (cleared["expected_close_date"], cleared["competitor"]) == (None, None)
    same = await patch(sales_client, opened["id"], {"name": "Fleet renewal, 50 vans"})
    assert same.json()["version"] == cleared["version"]  # nothing changed, no new version
    assert_problem(await patch(sales_client, opened["id"], {"amount": None}), 422)


async def test_history_times_each_stage(sales_client: httpx.AsyncClient, clock: FakeClock) -> None:
    opened = await open_opportunity(sales_client)
    clock.advance(days=2)
    await move(sales_client, opened["id"], stage="proposal")
    clock.advance(days=1)
    await move(sales_client, opened["id"], stage="contact")
    clock.advance(days=3)
    history = (await sales_client.get(f"/v1/opportunities/{opened['id']}/history")).json()
    assert [c["to_stage"] for c in history["changes"]] == ["contact", "proposal", "contact"]
    day = timedelta(days=1).total_seconds()
    assert [c["seconds_in_stage"] for c in history["changes"]] == [2 * day, day, 3 * day]
    assert [c["current"] for c in history["changes"]] == [False, False, True]
    assert history["time_in_stage"] == [
        {"stage": "contact", "seconds": 5 * day, "days": 5.0},
        {"stage": "proposal", "seconds": day, "days": 1.0},
    ]
    clock.advance(days=1)
    later = (await sales_client.get(f"/v1/opportunities/{opened['id']}/history")).json()
    assert later["changes"][-1]["seconds_in_stage"] == 4 * day  # runs by the clock

"""/v1/quotes: issue, read, list, revise, accept into an order, reject, expire; events and
errors."""

from datetime import UTC, datetime

import httpx
import pytest
from crm_shared.clock import FakeClock
from crm_shared.testing import bearer, outbox_events, token_for, uid
from fastapi import FastAPI

from services.sales.tests.sales_builders_orders import START, if_match, know_customers, line


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def quote_body(customer_id: str, *lines: dict, **fields: object) -> dict:
    return {"customer_id": customer_id, "lines": list(lines) or [line()], **fields}


async def issue(
    client: httpx.AsyncClient, customer_id: str, *lines: dict, **fields: object
) -> httpx.Response:
    response = await client.post("/v1/quotes", json=quote_body(customer_id, *lines, **fields))
    assert response.status_code == 201, response.text
    return response


async def test_a_quote_has_a_number_revision_1_and_a_discounted_total(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    opportunity = uid("opp")
    response = await issue(
        sales_client,
        ada,
        line("Licence", 10, "49.90", discount="0.15"),
        line("Setup", 1, "500.00"),
        opportunity_id=opportunity,
    )
    quote = response.json()
    assert quote["number"] == "Q-000001"
    assert quote["revision"] == 1
    assert quote["status"] == "sent"
    assert quote["total"] == "924.15"  # 10 x 49.90 x 0.85 = 424.15, + 500
    assert quote["valid_until"] == "2026-04-01"  # today + 30 days
    assert quote["opportunity_id"] == opportunity
    assert response.headers["ETag"] == '"1"'
    read = await sales_client.get(f"/v1/quotes/{quote['id']}")
    assert read.json() == quote
    assert read.headers["ETag"] == '"1"'
    [event] = await outbox_events(sales_app, "quote_issued")
    assert event.key == ada
    assert event.payload.quote.number == "Q-000001"
    draft = (await issue(sales_client, ada, status="draft")).json()
    assert draft["status"] == "draft"
    assert draft["number"] == "Q-000002"


async def test_issue_refuses_unknown_customers_past_validity_and_bad_lines(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    unknown = await sales_client.post("/v1/quotes", json=quote_body(uid("nobody")))
    assert unknown.status_code == 422
    past = await sales_client.post("/v1/quotes", json=quote_body(ada, valid_until="2026-03-01"))
    assert past.status_code == 422
    assert "valid_until" in past.text
    discount = await sales_client.post("/v1/quotes", json=quote_body(ada, line(discount="-0.1")))
    assert discount.status_code == 422
    status = await sales_client.post("/v1/quotes", json=quote_body(ada, status="accepted"))
    assert status.status_code == 422
    assert (await sales_client.get(f"/v1/quotes/{uid('none')}")).status_code == 404


async def test_revise_makes_the_next_revision_and_supersedes_the_old(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    first = await issue(sales_client, ada, line("Licence", 10, "50.00"))
    quote_id = first.json()["id"]
    missing_if_match = await sales_client.post(f"/v1/quotes/{quote_id}/revise", json={})
    assert missing_if_match.status_code == 428
    revised = await sales_client.post(
        f"/v1/quotes/{quote_id}/revise",
        json={"lines": [line("Licence", 10, "50.00", discount="0.2")], "valid_until": "2026-05-01"},
        headers=if_match(first),
    )
    assert revised.status_code == 201, revised.text
    second = revised.json()
    assert second["number"] == first.json()["number"]
    assert second["revision"] == 2
    assert second["total"] == "400.00"
    assert second["valid_until"] == "2026-05-01"
    old = (await sales_client.get(f"/v1/quotes/{quote_id}")).json()
    assert old["status"] == "superseded"
    assert old["superseded_by"] == second["id"]
    accept_old = await sales_client.post(f"/v1/quotes/{quote_id}/accept", headers={"If-Match": "*"})
    assert accept_old.status_code == 409
    assert "superseded" in accept_old.json()["detail"]
    revise_old = await sales_client.post(
        f"/v1/quotes/{quote_id}/revise", json={}, headers={"If-Match": "*"}
    )
    assert revise_old.status_code == 409
    copied = await sales_client.post(
        f"/v1/quotes/{second['id']}/revise", json={}, headers={"If-Match": '"1"'}
    )
    assert copied.json()["revision"] == 3
    assert copied.json()["total"] == "400.00"
    issued = await outbox_events(sales_app, "quote_issued")
    assert [e.payload.quote.revision for e in issued] == [1, 2, 3]


async def test_accept_places_the_order_from_the_lines(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    opportunity = uid("opp")
    quote = await issue(
        sales_client, ada, line("Licence", 3, "10.00", discount="0.5"), opportunity_id=opportunity
    )
    quote_id = quote.json()["id"]
    stale = await sales_client.post(f"/v1/quotes/{quote_id}/accept", headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    accepted = await sales_client.post(f"/v1/quotes/{quote_id}/accept", headers=if_match(quote))
    assert accepted.status_code == 201, accepted.text
    order = accepted.json()
    assert order["quote_id"] == quote_id
    assert order["opportunity_id"] == opportunity
    assert order["source"] == "quote"
    assert order["total"] == "15.00"
    assert order["lines"][0]["discount"] == "0.5"
    assert accepted.headers["Location"] == f"/v1/orders/{order['id']}"
    read = (await sales_client.get(f"/v1/quotes/{quote_id}")).json()
    assert read["status"] == "accepted"
    assert read["order_id"] == order["id"]
    again = await sales_client.post(f"/v1/quotes/{quote_id}/accept", headers={"If-Match": "*"})
    assert again.status_code == 409
    [decided] = await outbox_events(sales_app, "quote_decided")
    assert decided.payload.status == "accepted"
    assert decided.payload.order_id == order["id"]
    assert len(await outbox_events(sales_app, "order_placed")) == 1


async def test_an_expired_quote_cannot_be_accepted_but_can_be_revised(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    quote = (await issue(sales_client, ada, valid_until="2026-03-05")).json()
    url = f"/v1/quotes/{quote['id']}"
    clock.advance(days=3)  # 2026-03-05: the last valid day
    assert (await sales_client.get(url)).json()["status"] == "sent"
    clock.advance(days=1)
    assert (await sales_client.get(url)).json()["status"] == "expired"
    listed = await sales_client.get("/v1/quotes", params={"status": "expired"})
    assert [q["id"] for q in listed.json()["items"]] == [quote["id"]]
    assert (await sales_client.get("/v1/quotes", params={"status": "sent"})).json()["items"] == []
    refused = await sales_client.post(f"{url}/accept", headers={"If-Match": "*"})
    assert refused.status_code == 409
    assert "expired" in refused.json()["detail"]
    renewed = await sales_client.post(f"{url}/revise", json={}, headers={"If-Match": "*"})
    assert renewed.json()["valid_until"] == "2026-04-05"
    assert renewed.json()["status"] == "sent"


async def test_reject_with_a_reason(sales_app: FastAPI, sales_client: httpx.AsyncClient) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    quote = await issue(sales_client, ada)
    url = f"/v1/quotes/{quote.json()['id']}"
    no_reason = await sales_client.post(f"{url}/reject", json={}, headers=if_match(quote))
    assert no_reason.status_code == 422
    rejected = await sales_client.post(
        f"{url}/reject", json={"reason": "too expensive"}, headers=if_match(quote)
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reject_reason"] == "too expensive"
    accept = await sales_client.post(f"{url}/accept", headers={"If-Match": "*"})
    assert accept.status_code == 409
    [decided] = await outbox_events(sales_app, "quote_decided")
    assert decided.payload.status == "rejected"


async def test_list_filters_and_pages(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    ada, bob = await know_customers(sales_app, "ada", "bob")
    opportunity = uid("opp")
    ids = []
    for _ in range(3):
        ids.append((await issue(sales_client, ada, opportunity_id=opportunity)).json()["id"])
        clock.advance(minutes=1)
    await issue(sales_client, bob)
    pages, cursor = [], None
    while True:
        params = {"customer_id": ada, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await sales_client.get("/v1/quotes", params=params)).json()
        pages += [q["id"] for q in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert pages == ids[::-1]
    by_opportunity = await sales_client.get(
        "/v1/quotes", params={"opportunity_id": opportunity, "total": "true"}
    )
    assert by_opportunity.json()["total"] == 3
    assert (await sales_client.get("/v1/quotes", params={"status": "x"})).status_code == 422


async def test_a_rep_sees_only_quotes_within_reach(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    rep = bearer(token_for("sales", subject="rep-1"))
    other = bearer(token_for("sales", subject="rep-2"))
    mine = await sales_client.post("/v1/quotes", json=quote_body(ada), headers=rep)
    assert mine.json()["owner"] == "rep-1"
    url = f"/v1/quotes/{mine.json()['id']}"
    assert (await sales_client.get(url, headers=other)).status_code == 404
    accept = await sales_client.post(f"{url}/accept", headers={"If-Match": "*", **other})
    assert accept.status_code == 404
    accepted = await sales_client.post(f"{url}/accept", headers={"If-Match": "*", **rep})
    assert accepted.json()["owner"] == "rep-1"


async def test_the_expiry_timer_marks_an_undecided_quote_expired_once(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    lapsing = (await issue(sales_client, ada, valid_until="2026-03-05")).json()
    accepted = await issue(sales_client, ada, valid_until="2026-03-05")
    await sales_client.post(
        f"/v1/quotes/{accepted.json()['id']}/accept", headers=if_match(accepted)
    )
    timers = sales_app.state.runtime.timers
    clock.set(datetime(2026, 3, 5, 23, 59, tzinfo=UTC))

    async def expirations() -> list[str]:
        decided = await outbox_events(sales_app, "quote_decided")
        return [e.payload.quote.id for e in decided if e.payload.status == "expired"]

    await timers.fire_due()  # (the nightly lead-scoring refit may fire meanwhile)
    assert await expirations() == []  # valid all that day
    clock.set(datetime(2026, 3, 6, 0, 0, tzinfo=UTC))
    await timers.fire_due()
    await timers.fire_due()  # a second pass finds nothing more: it fired once
    assert await expirations() == [lapsing["id"]]  # the accepted quote's timer was cancelled
    read = await sales_client.get(f"/v1/quotes/{lapsing['id']}")
    assert read.json()["status"] == "expired"
    assert read.headers["ETag"] == '"2"'
    decided = [e.payload for e in await outbox_events(sales_app, "quote_decided")]
    assert [(d.quote.id, d.status) for d in decided][-1] == (lapsing["id"], "expired")
    stored = await sales_client.get("/v1/quotes", params={"status": "expired"})
    assert [q["id"] for q in stored.json()["items"]] == [lapsing["id"]]
    renewed = await sales_client.post(
        f"/v1/quotes/{lapsing['id']}/revise", json={}, headers=if_match(read)
    )
    assert renewed.json()["status"] == "sent"
    assert renewed.json()["valid_until"] == "2026-04-05"


async def test_accepting_a_quote_wins_its_open_opportunity(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    body = {"customer_id": ada, "name": "Fleet", "amount": "100.00", "stage": "quote"}
    opportunity = (await sales_client.post("/v1/opportunities", json=body)).json()
    quote = await issue(sales_client, ada, opportunity_id=opportunity["id"])
    accepted = await sales_client.post(
        f"/v1/quotes/{quote.json()['id']}/accept", headers=if_match(quote)
    )
    assert accepted.status_code == 201, accepted.text

    won = (await sales_client.get(f"/v1/opportunities/{opportunity['id']}")).json()
    assert (won["stage"], won["probability"]) == ("won", 1.0)
    history = (await sales_client.get(f"/v1/opportunities/{opportunity['id']}/history")).json()
    assert "Q-000001" in history["changes"][-1]["reason"]
    [stage_changed] = await outbox_events(sales_app, "opportunity_stage_changed")
    assert stage_changed.payload.to_stage == "won"

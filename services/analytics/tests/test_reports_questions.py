"""The business's questions over a period, from events published by the real services
(projected through the service's handlers): why customers did not buy, what each customer
cost and yielded, did the campaign work, what customers are dissatisfied with. A merged
customer's facts count for its survivor. Hand-checked numbers; a bad period is a 422."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from crm_shared.contracts.marketing import ResponseKind
from crm_shared.contracts.sales import (
    LeadCreated,
    LeadStatus,
    OpportunityStage,
    QuoteDecided,
    QuoteIssued,
    QuoteSnapshot,
)
from crm_shared.contracts.support import Category, TicketKind
from crm_shared.events import IntegrationEvent
from crm_shared.testing import created, merged
from crm_shared.testing.marketing_events import (
    message_clicked,
    message_delivered,
    message_opened,
    message_sent,
    responded,
    unsubscribed,
)
from crm_shared.testing.sales_fact_events import (
    lead,
    opportunity,
    opportunity_opened,
    order,
    order_cancelled,
    order_placed,
)
from crm_shared.testing.support_fact_events import (
    recovery_recorded,
    survey_answered,
    ticket,
    ticket_opened,
)
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver_run

ALIAS, SURVIVOR, OTHER = "cust-a", "cust-b", "cust-c"
Q1 = "2026-Q1"


def day(month: int, dom: int) -> datetime:
    return datetime(2026, month, dom, 9, 0, tzinfo=UTC)


def lost(opportunity_id: str, customer_id: str, amount: str, reason: str,
         competitor: str | None, closed: datetime) -> IntegrationEvent:  # fmt: skip
    snapshot = opportunity(opportunity_id, customer_id, stage=OpportunityStage.LOST, amount=amount)
    update = {"loss_reason": reason, "competitor": competitor, "closed_at": closed}
    return opportunity_opened(snapshot.model_copy(update=update))


def quote(quote_id: str, customer_id: str, status: str, total: str) -> QuoteSnapshot:
    return QuoteSnapshot(id=quote_id, number=f"Q-{quote_id}", revision=1,
                         customer_id=customer_id, status=status, currency="EUR",
                         total=Decimal(total), lines=[], version=2)  # fmt: skip


def decided(snapshot: QuoteSnapshot) -> QuoteDecided:
    return QuoteDecided(record_id=snapshot.id, customer_id=snapshot.customer_id,
                        status=snapshot.status, quote=snapshot)  # fmt: skip


def lead_created(lead_id: str, campaign: str | None, source: str, at: datetime,
                 customer_id: str | None, status: LeadStatus) -> LeadCreated:  # fmt: skip
    snapshot = lead(lead_id, source=source, customer_id=customer_id).model_copy(
        update={"campaign_id": campaign, "created_at": at, "status": status}
    )
    return LeadCreated(record_id=lead_id, customer_id=customer_id, lead=snapshot)


@pytest.fixture
async def history(app: FastAPI) -> None:
    await deliver_run(app, [created(ALIAS, 1), created(SURVIVOR, 1), created(OTHER, 1)], day(1, 1))
    await deliver_run(app, [merged(SURVIVOR, ALIAS, 2)], day(1, 2))
    complaint_c = ticket("t1", OTHER, category=Category.BILLING, major=True,
                         received_at=day(2, 2))  # fmt: skip
    complaint_a = ticket("t2", ALIAS, category=Category.PRODUCT_QUALITY, received_at=day(1, 20))
    inquiry_c = ticket("t3", OTHER, kind=TicketKind.INQUIRY, received_at=day(1, 5))
    cancelled = order("o6", OTHER, total="100.00", ordered_at=day(1, 3))
    await deliver_run(
        app,
        [
            order_placed(order("o1", SURVIVOR, total="1000.00", paid="1000.00",
                               ordered_at=day(1, 10))),
            order_placed(order("o2", ALIAS, total="500.00", paid="200.00", written_off="300.00",
                               ordered_at=day(2, 1))),
            order_placed(order("o3", OTHER, total="200.00", ordered_at=day(3, 1))),
            order_placed(order("o4", OTHER, total="999.00", ordered_at=day(4, 2))),
            order_placed(order("o5", SURVIVOR, total="50.00", currency="USD",
                               ordered_at=day(1, 6))),
            order_placed(cancelled),
            order_cancelled(cancelled.model_copy(update={"version": 2})),
            ticket_opened(complaint_c), ticket_opened(complaint_a), ticket_opened(inquiry_c),
            recovery_recorded("r1", complaint_c, "80.00"),
            recovery_recorded("r2", complaint_a, "20.00"),
            survey_answered("s1", complaint_c, {"speed": (2, 4), "friendliness": (4, 4)}),
            survey_answered("s2", complaint_a, {"speed": (1, None), "price": (3, 3)}),
            lost("p1", SURVIVOR, "10000.00", "price", "Acme", day(2, 10)),
            lost("p2", ALIAS, "5000.00", "price", None, day(3, 5)),
            lost("p3", OTHER, "2000.00", "timing", "Acme", day(1, 15)),
            lost("p4", OTHER, "7000.00", "price", "Acme", day(4, 1)),
            opportunity_opened(opportunity("p5", OTHER)),
            opportunity_opened(
                opportunity("p6", OTHER).model_copy(update={"lead_id": "L3"})
            ),
            lead_created("L1", "spring", "web", day(1, 5), SURVIVOR, LeadStatus.CONVERTED),
            lead_created("L2", "spring", "web", day(2, 20), None, LeadStatus.NEW),
            lead_created("L3", None, "fair", day(1, 2), None, LeadStatus.CONVERTED),
            lead_created("L4", "winter", "web", datetime(2025, 12, 1, tzinfo=UTC), SURVIVOR,
                         LeadStatus.CONVERTED),
            QuoteIssued(record_id="q4", customer_id=OTHER, quote=quote("q4", OTHER, "sent", "9")),
        ],
        day(1, 1),
    )  # fmt: skip
    await deliver_run(app, [decided(quote("q1", SURVIVOR, "rejected", "300.00"))], day(2, 1))
    await deliver_run(app, [decided(quote("q2", OTHER, "expired", "400.00"))], day(3, 1))
    await deliver_run(app, [decided(quote("q3", OTHER, "accepted", "500.00"))], day(3, 2))


async def report(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/v1/reports/{path}", params={"period": Q1, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_why_customers_did_not_buy(client: httpx.AsyncClient, history: None) -> None:
    found = await report(client, "lost-sales")

    assert found["period"]["label"] == Q1
    by_reason = [(r["key"], r["currency"], r["opportunities"], r["amount"])
                 for r in found["by_reason"]]  # fmt: skip
    assert by_reason == [("price", "EUR", 2, "15000.00"), ("timing", "EUR", 1, "2000.00")]
    assert [(r["key"], r["opportunities"], r["amount"]) for r in found["by_competitor"]] == [
        ("Acme", 2, "12000.00"), (None, 1, "5000.00"),
    ]  # fmt: skip
    assert [(q["status"], q["quotes"], q["total"]) for q in found["refused_quotes"]] == [
        ("expired", 1, "400.00"), ("rejected", 1, "300.00"),
    ]  # fmt: skip
    assert (found["opportunities"], found["quotes"]) == ([], [])


async def test_why_one_customer_did_not_buy_counts_its_aliases(
    client: httpx.AsyncClient, history: None
) -> None:
    found = await report(client, "lost-sales", customer_id=ALIAS)

    assert [(r["key"], r["opportunities"]) for r in found["by_reason"]] == [("price", 2)]
    listed = [(o["opportunity_id"], o["loss_reason"], o["competitor"])
              for o in found["opportunities"]]  # fmt: skip
    assert listed == [("p1", "price", "Acme"), ("p2", "price", None)]
    assert [(q["quote_id"], q["status"], q["total"]) for q in found["quotes"]] == [
        ("q1", "rejected", "300.00")
    ]


async def test_what_each_customer_cost_and_yielded(
    client: httpx.AsyncClient, history: None
) -> None:
    top = await report(client, "customer-yield")
    bottom = await report(client, "customer-yield", order="bottom", limit=1)
    dollars = await report(client, "customer-yield", currency="USD")

    assert top["currency"] == "EUR"
    assert top["customers"] == [
        {"customer_id": SURVIVOR, "orders": 2, "revenue": "1500.00", "paid": "1200.00",
         "written_off": "300.00", "recovery_cost": "20.00", "net": "1180.00"},
        {"customer_id": OTHER, "orders": 1, "revenue": "200.00", "paid": "0.00",
         "written_off": "0.00", "recovery_cost": "80.00", "net": "120.00"},
    ]  # fmt: skip
    assert top["totals"] == {
        "customers": 2, "orders": 3, "revenue": "1700.00", "paid": "1200.00",
        "written_off": "300.00", "recovery_cost": "100.00", "net": "1300.00",
    }  # fmt: skip
    assert [c["customer_id"] for c in bottom["customers"]] == [OTHER]
    assert [(c["customer_id"], c["revenue"]) for c in dollars["customers"]] == [(SURVIVOR, "50.00")]


NO_MESSAGES = {"sent": 0, "delivered": 0, "opened": 0, "clicked": 0, "responses": 0,
               "unsubscribes": 0}  # fmt: skip


async def test_did_the_campaign_work(client: httpx.AsyncClient, history: None) -> None:
    found = await report(client, "campaigns")

    assert found["campaigns"] == [
        {"campaign_id": "spring", "source": "web", "leads": 2, "converted": 1,
         "conversion_rate": 0.5, "revenue": [
             {"currency": "EUR", "customers": 1, "orders": 2, "revenue": "1500.00"},
             {"currency": "USD", "customers": 1, "orders": 1, "revenue": "50.00"}],
         **NO_MESSAGES},
        {"campaign_id": None, "source": "fair", "leads": 1, "converted": 1,
         "conversion_rate": 1.0, "revenue": [
             {"currency": "EUR", "customers": 1, "orders": 1, "revenue": "200.00"}],
         **NO_MESSAGES},
    ]  # fmt: skip
    assert not any("issue 11" in note for note in found["notes"])
    assert any("Marketing's campaigns" in note for note in found["notes"])


async def test_the_campaign_report_reads_marketings_events(
    app: FastAPI, client: httpx.AsyncClient, history: None
) -> None:
    mailing = "m-news"
    leads = [
        lead_created("l-m1", mailing, "campaign", day(3, 6), OTHER, LeadStatus.NEW),
    ]
    messages = [
        message_sent(OTHER, "m1", mailing), message_sent(SURVIVOR, "m2", mailing),
        message_sent(SURVIVOR, "m2", mailing),  # a replay counts once
        message_delivered(OTHER, "m1", mailing), message_delivered(SURVIVOR, "m2", mailing),
        message_opened(OTHER, "m1", mailing), message_clicked(OTHER, "m1", mailing),
        responded(OTHER, "r1", mailing, message_id="m1"),
        responded(OTHER, "r2", mailing, message_id="m1", kind=ResponseKind.FORM, detail=None),
        unsubscribed(SURVIVOR, campaign_id=mailing, message_id="m2"),
        unsubscribed(OTHER),  # an operator's, of no campaign
        message_sent(OTHER, "m3", "m-quiet"),
    ]  # fmt: skip
    await deliver_run(app, messages, day(3, 5))
    await deliver_run(app, [*leads, message_sent(OTHER, "m4", mailing)], day(3, 6))
    await deliver_run(app, [message_sent(OTHER, "m5", mailing)], day(4, 2))  # Q2: not counted

    rows = {
        (r["campaign_id"], r["source"]): r for r in (await report(client, "campaigns"))["campaigns"]
    }
    news = rows[(mailing, "campaign")]
    assert (news["leads"], news["converted"], news["conversion_rate"]) == (1, 0, 0.0)
    assert {key: news[key] for key in NO_MESSAGES} == {
        "sent": 3, "delivered": 2, "opened": 1, "clicked": 1, "responses": 2, "unsubscribes": 1,
    }  # fmt: skip
    quiet = rows[("m-quiet", "campaign")]
    assert (quiet["leads"], quiet["conversion_rate"], quiet["sent"]) == (0, None, 1)
    assert {key: rows[("spring", "web")][key] for key in NO_MESSAGES} == NO_MESSAGES
    csv = await client.get("/v1/reports/campaigns", params={"period": Q1, "format": "csv"})
    assert "campaigns,m-news/campaign,responses,2\r\n" in csv.text


async def test_what_customers_are_dissatisfied_with(
    client: httpx.AsyncClient, history: None
) -> None:
    found = await report(client, "dissatisfaction")

    assert found["complaints"] == [
        {"category": "billing", "complaints": 1, "major": 1},
        {"category": "product_quality", "complaints": 1, "major": 0},
    ]
    assert found["items"] == [
        {"item": "speed", "answers": 2, "mean_score": 1.5, "satisfaction_answers": 1,
         "mean_satisfaction": 0.5},
        {"item": "price", "answers": 1, "mean_score": 3.0, "satisfaction_answers": 1,
         "mean_satisfaction": 1.0},
        {"item": "friendliness", "answers": 1, "mean_score": 4.0, "satisfaction_answers": 1,
         "mean_satisfaction": 1.0},
    ]  # fmt: skip


async def test_a_period_report_as_csv(client: httpx.AsyncClient, history: None) -> None:
    response = await client.get(
        "/v1/reports/customer-yield", params={"period": Q1, "format": "csv"}
    )

    assert response.status_code == 200
    assert 'filename="customer-yield-2026-Q1.csv"' in response.headers["content-disposition"]
    lines = response.text.split("\r\n")
    assert lines[0] == "section,key,metric,value"
    assert f"customers,{SURVIVOR},net,1180.00" in lines
    assert "totals,,recovery_cost,100.00" in lines
    assert "period,,label,2026-Q1" in lines


@pytest.mark.parametrize("period", ["2026-W05", "2026-13", "last month"])
@pytest.mark.parametrize("path", ["lost-sales", "customer-yield", "campaigns", "dissatisfaction"])
async def test_a_bad_period_is_a_problem(client: httpx.AsyncClient, path: str, period: str) -> None:
    response = await client.get(f"/v1/reports/{path}", params={"period": period})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "2026-Q4" in response.text

"""Evaluation over campaigns: a campaign's results as long CSV (its A/B variants a section of
their own), and ``GET /v1/reports/campaign-results`` over the campaigns launched in a period,
per campaign and per channel (all four, an unused one at zero), in JSON and CSV; ROI without
a cost is null (an empty CSV cell), never a division by zero."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from crm_marketing.campaigns.results import CampaignRow, channel_totals
from crm_marketing.sends.sender import Sender
from crm_shared.clock import FakeClock
from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.testing import assert_problem, uid
from crm_shared.testing.sales_fact_events import order, order_placed
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    RecordingChannel,
    deliver_events,
    launched,
    members,
    send_all,
    sender,
)

SMS_SEGMENT = uid("sms-segment")
REPORT = "/v1/reports/campaign-results"


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def cells(rows: list[list[str]], section: str, key: str) -> dict[str, str]:
    """metric -> value of one section and key."""
    return {metric: value for s, k, metric, value in rows[1:] if (s, k) == (section, key)}


async def two_channels(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> tuple[str, str]:
    """An e-mail campaign with a cost (to ann and bob, ann buys) and an SMS campaign
    without one (to cy); their ids."""
    await members(app, "ann", "bob")
    await members(app, "cy", segment=SMS_SEGMENT, phone="+442079460001", consent={"sms": True})
    mail = await launched(client, fixed_cost="10.00", cost_per_message="0.50")
    clock.advance(timedelta(minutes=1))
    sms = await launched(
        client, channel="sms", segment_id=SMS_SEGMENT, message={"body": "Hi {{ first_name }}"}
    )
    channel = RecordingChannel()
    runtime = app.state.runtime
    channels = {MarketingChannel.EMAIL: channel, MarketingChannel.SMS: channel}
    await send_all(Sender(runtime.unit_of_work, runtime.settings, channels))
    clock.advance(timedelta(days=1))
    bought = order("o-ann", uid("ann"), total="111.00", ordered_at=clock.now())
    await deliver_events(app, order_placed(bought))
    return mail["id"], sms["id"]


async def test_the_report_has_each_campaign_and_each_channel(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    mail_id, sms_id = await two_channels(app, client, clock)
    response = await client.get(REPORT, params={"period": "2026-06"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period"]["label"] == "2026-06"
    by_id = {row["campaign_id"]: row for row in report["campaigns"]}
    assert list(by_id) == [mail_id, sms_id]  # in launch order
    mail, sms = by_id[mail_id], by_id[sms_id]
    assert (mail["channel"], mail["audience"], mail["sent"], mail["delivered"]) == (
        "email",
        2,
        2,
        2,
    )
    assert (mail["orders"], mail["revenue"], mail["cost"]) == (1, "111.00", "11.00")
    assert mail["roi"] == float((Decimal("111.00") - Decimal("11.00")) / Decimal("11.00"))
    assert mail["conversion_rate"] == 0.5
    assert (sms["channel"], sms["sent"], sms["cost"], sms["roi"]) == ("sms", 1, "0.00", None)
    channels = {row["channel"]: row for row in report["channels"]}
    assert list(channels) == ["email", "sms", "phone", "mail"]
    assert (channels["email"]["campaigns"], channels["email"]["revenue"]) == (1, "111.00")
    assert channels["email"]["roi"] == mail["roi"]
    assert (channels["sms"]["sent"], channels["sms"]["roi"]) == (1, None)
    idle = channels["phone"]
    assert (idle["campaigns"], idle["sent"], idle["currency"], idle["roi"]) == (0, 0, "EUR", None)
    assert idle["response_rate"] is None
    assert idle["conversion_rate"] is None


async def test_the_period_takes_the_campaigns_launched_in_it(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await two_channels(app, client, clock)
    for period in ("2026-05", "2026-W24", "2026-Q3"):
        report = (await client.get(REPORT, params={"period": period})).json()
        assert report["campaigns"] == [], period
        assert all(row["sent"] == 0 for row in report["channels"])
    assert len((await client.get(REPORT, params={"period": "2026-W23"})).json()["campaigns"]) == 2
    assert len((await client.get(REPORT, params={"period": "2026-Q2"})).json()["campaigns"]) == 2
    problem = assert_problem(await client.get(REPORT, params={"period": "2026-13"}), 422)
    assert problem["type"].endswith("/invalid-period")


async def test_the_report_as_csv(app: FastAPI, client: httpx.AsyncClient, clock: FakeClock) -> None:
    mail_id, sms_id = await two_channels(app, client, clock)
    response = await client.get(REPORT, params={"period": "2026-06", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="campaign-results-2026-06.csv"' in response.headers["content-disposition"]
    rows = rows_of(response.text)
    assert rows[0] == ["section", "key", "metric", "value"]
    assert cells(rows, "period", "")["label"] == "2026-06"
    mail = cells(rows, "campaigns", mail_id)
    assert (mail["channel"], mail["sent"], mail["revenue"], mail["cost"]) == (
        "email",
        "2",
        "111.00",
        "11.00",
    )
    assert mail["responses.form"] == "0"
    assert cells(rows, "campaigns", sms_id)["roi"] == ""  # no cost: no ROI
    assert cells(rows, "channels", "sms/EUR")["sent"] == "1"
    assert cells(rows, "channels", "mail/EUR")["campaigns"] == "0"
    by_accept = await client.get(
        REPORT, params={"period": "2026-06"}, headers={"Accept": "text/csv"}
    )
    assert by_accept.text == response.text
    assert "Accept" in by_accept.headers["vary"]


async def test_a_campaigns_results_as_csv_with_its_variants(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, *[f"p{n}" for n in range(4)])
    test: dict[str, Any] = {
        "alternatives": [{"subject": "B", "body": "Variant B https://b.example.org"}],
        "share": 1.0,
        "metric": "responded",
        "decide_after_hours": 24,
    }
    campaign = await launched(client, ab_test=test)
    await send_all(sender(app, RecordingChannel()))
    path = f"/v1/campaigns/{campaign['id']}/results"
    as_json = (await client.get(path)).json()
    assert as_json["variants"]["B"]["responded"] == 0
    response = await client.get(path, params={"format": "csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = rows_of(response.text)
    assert rows[0] == ["section", "key", "metric", "value"]
    report = cells(rows, "report", "")
    assert (report["sent"], report["audience"], report["roi"]) == ("4", "4", "")
    assert cells(rows, "responses", "reply") == {"value": "0"}
    for variant in ("A", "B"):
        figures = cells(rows, "variants", variant)
        assert (figures["sent"], figures["delivered"], figures["rate"]) == ("2", "2", "0.0")
    assert (await client.get(path, params={"format": "json"})).json() == as_json


def row(channel: str, currency: str, **figures: Any) -> CampaignRow:
    base: dict[str, Any] = {
        "audience": 10, "sent": 10, "delivered": 8, "posted": 0, "bounced": 2, "opened": 4,
        "clicked": 2,
        "responded": 2, "responses": {"click": 2, "form": 0, "reply": 0}, "unsubscribed": 0,
        "orders": 1, "revenue": Decimal("50.00"), "cost": Decimal("10.00"), "roi": 4.0,
        "response_rate": 0.25, "conversion_rate": 0.125,
    }  # fmt: skip
    return CampaignRow(**{**base, **figures}, currency=currency, channel=channel)


def test_channel_totals_add_up_per_currency_and_rate_the_sums() -> None:
    rows = [
        row("email", "EUR"),
        row("email", "EUR", sent=30, delivered=24, responded=4, cost=Decimal("0"), roi=None),
        row("email", "USD", revenue=Decimal("7.00")),
    ]
    totals = {(t.channel, t.currency): t for t in channel_totals(rows, "EUR")}
    assert list(totals) == [
        ("email", "EUR"), ("email", "USD"), ("sms", "EUR"), ("phone", "EUR"), ("mail", "EUR"),
    ]  # fmt: skip
    eur = totals[("email", "EUR")]
    assert (eur.campaigns, eur.sent, eur.delivered, eur.responded) == (2, 40, 32, 6)
    assert (eur.revenue, eur.cost, eur.roi) == (Decimal("100.00"), Decimal("10.00"), 9.0)
    assert (eur.response_rate, eur.conversion_rate) == (6 / 32, 2 / 32)
    assert eur.responses == {"click": 4, "form": 0, "reply": 0}
    assert totals[("email", "USD")].roi == -0.3
    idle = totals[("sms", "EUR")]
    assert (idle.campaigns, idle.cost, idle.roi, idle.response_rate) == (0, Decimal(0), None, None)


def test_letters_posted_are_the_rates_base_of_a_mail_channel() -> None:
    letters = row("mail", "EUR", delivered=0, posted=8)
    (mail,) = [t for t in channel_totals([letters], "EUR") if t.channel == "mail"]
    assert (mail.posted, mail.response_rate, mail.conversion_rate) == (8, 2 / 8, 1 / 8)

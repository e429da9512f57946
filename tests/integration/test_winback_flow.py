"""Win-back from analytics' inactivity event to an SMS, across the bus on the real broker: a
customer with SMS consent and a phone whose last order (placed in sales with an ``ordered_at``
four months back) makes analytics' scoring run publish ``customer.inactive``; marketing's
win-back decides the reminder and its sender delivers the text to the SMS provider (a small
HTTP server of the test) with the customer's number; the decision and its reason land on the
customer's analytics timeline."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import h11
import pytest
from crm_launcher.sms_sink import SmsSink

from tests.helpers import wait_for
from tests.integration.platform import (
    PROPAGATION_TIMEOUT,
    SERVICES,
    Platform,
    e164,
    unique_person,
)

pytestmark = pytest.mark.integration

# sales -> analytics -> marketing -> the provider, and marketing -> analytics' timeline.
CHAIN_TIMEOUT = 3 * PROPAGATION_TIMEOUT


class Provider(SmsSink):
    """An SMS provider that takes every message and keeps what it was sent."""

    def __init__(self, folder: Path) -> None:
        super().__init__("127.0.0.1", 0, folder)
        self.received: list[dict[str, Any]] = []

    def _answer(self, request: h11.Request, body: bytes) -> tuple[int, dict[str, Any]]:
        self.received.append(json.loads(body))
        return 202, {}


@pytest.fixture
async def provider(tmp_path: Path) -> AsyncIterator[Provider]:
    running = Provider(tmp_path / "sms")
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def platform(
    make_database: Callable[[str], Awaitable[str]], kafka_bootstrap: str, provider: Provider
) -> AsyncIterator[Platform]:
    urls = {name: await make_database(name) for name in SERVICES}
    overrides = {
        "marketing": {
            "sms_url": provider.url,
            "send_idle_poll_seconds": 0.1,
            # The tests run at any hour: no quiet hours (their rule has its own tests).
            "quiet_hours_start": "00:00",
            "quiet_hours_end": "00:00",
            # Marketing's own fallback timer out of the way: only analytics' event decides.
            "winback_fallback_days": 365,
        },
        # The one buyer of the test would be the top share by value, a VIP (visited, not
        # texted).
        "analytics": {"vip_share": 0},
    }
    running = Platform(kafka_bootstrap, urls, overrides=overrides)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_an_inactivity_event_from_analytics_sends_the_reminder_sms(
    platform: Platform, provider: Provider
) -> None:
    person = await platform.create_customer(**unique_person("Wyn"))
    customer_id, phone = person["id"], e164(person["phone"])
    consent = await platform.clients["customer"].put(
        f"/v1/customers/{customer_id}/consent/sms",
        json={"granted": True, "source": "sign-up form"},
        headers=await platform.if_match(customer_id),
    )
    assert consent.status_code == 200, consent.text

    async def known() -> bool:
        marketing = await platform.view("marketing", customer_id) or {}
        return (marketing.get("consent") or {}).get("sms") is True and (
            await platform.view("sales", customer_id) is not None
        )

    await wait_for(known, timeout=PROPAGATION_TIMEOUT, message="the customer in marketing")
    four_months_ago = datetime.now(UTC) - timedelta(days=120)
    placed = await platform.clients["sales"].post(
        "/v1/orders",
        json={
            "customer_id": customer_id,
            "lines": [{"product": "Boiler service", "quantity": 1, "unit_price": "120.00"}],
            "ordered_at": four_months_ago.isoformat(),
            # Not yet due: an unpaid order overdue for months would grade the customer's
            # credit E, and win-back lets an E customer go.
            "payment_terms_days": 365,
        },
    )
    assert placed.status_code == 201, placed.text

    async def scored() -> bool:
        profile = await platform.view("analytics", customer_id) or {}
        return ((profile.get("scores") or {}).get("rfm") or {}).get("recency_days") == 120

    await wait_for(scored, timeout=CHAIN_TIMEOUT, message="the order in analytics")
    run = await platform.clients["analytics"].post("/v1/scores/run", json={})
    assert run.status_code == 200, run.text

    async def texted() -> list[dict[str, Any]]:
        return [m for m in provider.received if m["to"] == phone]

    (text,) = await wait_for(texted, timeout=CHAIN_TIMEOUT, message="the reminder SMS")
    assert "missed you" in text["text"]

    async def on_the_timeline() -> dict[str, dict[str, Any]] | None:
        response = await platform.clients["analytics"].get(
            f"/v1/profiles/{customer_id}/timeline?limit=100"
        )
        items = {item["event_type"]: item for item in response.json()["items"]}
        wanted = ("crm.analytics.customer.inactive.v1", "crm.marketing.winback.decided.v1")
        return items if all(kind in items for kind in wanted) else None

    items = await wait_for(on_the_timeline, timeout=CHAIN_TIMEOUT, message="the timeline")
    decided = items["crm.marketing.winback.decided.v1"]["summary"]
    assert decided.startswith("Win-back after 120 days without a purchase: a reminder SMS")
    assert "worth 120.00 EUR a year" in decided
    assert "No purchase for 120 days" in items["crm.analytics.customer.inactive.v1"]["summary"]
    assert len([m for m in provider.received if m["to"] == phone]) == 1

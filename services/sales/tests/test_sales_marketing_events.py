"""Marketing's events in sales, delivered through the service's handler map as its consumer
would: a response opens a lead for the customer with the campaign as its source, a call task
schedules a call for the customer's owner (its reminder timer too). One lead per response
and one call per task, however often the event comes; nothing for an erased or unknown
customer. Checked over the API and in the outbox."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from crm_sales.activities.rules import SUBJECT_LENGTH, call_subject
from crm_sales.from_events import shortened
from crm_sales.handlers import handlers_for
from crm_sales.settings import SalesSettings
from crm_shared.bus.handlers import HandlerMap
from crm_shared.clock import FakeClock
from crm_shared.events import IntegrationEvent
from crm_shared.testing import created, deliver, deliveries_of, erased, merged, outbox_events, uid
from crm_shared.testing.marketing_events import MARKETING_T0, call_task_requested, responded
from fastapi import FastAPI

from services.sales.tests.sales_builders_leads import quiet_timer_worker as quiet_timer_worker

pytestmark = pytest.mark.usefixtures("quiet_timer_worker")

ADA, POOLED, GONE, TWIN = uid("ada"), uid("pooled"), uid("gone"), uid("twin")
CAMPAIGN = uid("campaign")
NOW = MARKETING_T0
TITLE = "Win-back: 4 months without an order"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def sales_settings(sales_database_url: str, tmp_path: Any) -> SalesSettings:
    return SalesSettings(
        database_url=sales_database_url, data_dir=tmp_path, reminder_lead_minutes=15
    )


@pytest.fixture
def sales_handlers(sales_settings: SalesSettings) -> HandlerMap:
    return handlers_for(sales_settings)


@pytest.fixture(autouse=True)
async def known(sales_app: FastAPI, sales_handlers: HandlerMap) -> None:
    await deliver_events(
        sales_app,
        sales_handlers,
        created(ADA, owner="ann"),
        created(POOLED, owner=None, name="Pool Person", company=None),
        created(GONE, owner="ann"),
        created(TWIN, owner="bob"),
        erased(GONE, 2),
    )


async def deliver_events(app: FastAPI, handlers: HandlerMap, *events: IntegrationEvent) -> int:
    """Through the inbox and the handlers; how many deliveries were new."""
    return len(await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(*events)))


async def campaign_leads(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/v1/leads", params={"source": "campaign"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def activities_of(client: httpx.AsyncClient, customer_id: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/activities", params={"customer_id": customer_id})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# --- the rules of the text ----------------------------------------------------------------


def test_shortened_text_is_one_line_cut_after_a_whole_word() -> None:
    assert shortened("  Call\nAda   back ", 50) == "Call Ada back"
    assert shortened("Call Ada about the spring conditions", 20) == "Call Ada about..."
    assert shortened("x" * 30, 10) == "xxxxxxx..."  # one long word: cut inside it
    assert len(shortened("word " * 100, 200)) <= 200


def test_a_call_subject_is_the_title_then_as_much_of_the_script_as_fits() -> None:
    assert call_subject(TITLE, None) == TITLE
    assert call_subject(TITLE, " \n ") == TITLE
    assert call_subject(TITLE, "Ask how\nit went.") == f"{TITLE}: Ask how it went."
    long = call_subject(TITLE, "Ask how the last order went. " * 20)
    assert len(long) <= SUBJECT_LENGTH
    assert long.startswith(f"{TITLE}: Ask how the last order went.")
    assert long.endswith("...")
    assert not long.removesuffix("...").endswith((" ", "wen"))  # whole words
    # A title that leaves no real room keeps it all (cut itself only past the limit).
    assert call_subject("T" * 190, "a script") == "T" * 190
    assert len(call_subject("word " * 60, "a script")) <= SUBJECT_LENGTH


# --- crm.marketing.responded.v1 -> a lead --------------------------------------------------


async def test_a_response_opens_a_lead_of_the_campaign_for_the_customers_owner(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, sales_handlers: HandlerMap
) -> None:
    event = responded(ADA, "response-1", CAMPAIGN, campaign_name="Spring sale")
    assert await deliver_events(sales_app, sales_handlers, event) == 1

    (found,) = await campaign_leads(sales_client)
    response = await sales_client.get(f"/v1/leads/{found['id']}")
    assert response.status_code == 200, response.text
    lead = response.json()
    assert {k: lead[k] for k in ("name", "company", "email", "phone")} == {
        "name": "Ada Lovelace",
        "company": "Analytical Engines Ltd",
        "email": None,  # the customer master holds the contact details
        "phone": None,
    }
    assert lead["customer_id"] == ADA
    assert lead["owner"] == "ann"
    assert (lead["source"], lead["campaign_id"], lead["campaign_name"]) == (
        "campaign",
        CAMPAIGN,
        "Spring sale",
    )
    assert lead["status"] == "new"
    assert lead["campaign_responses"] == 1  # the response that opened it
    assert "campaign_responses" in {reason["rule"] for reason in lead["score_reasons"]}
    assert lead["created_at"] == NOW.isoformat().replace("+00:00", "Z")

    (created_event,) = await outbox_events(sales_app, "lead_created")
    assert created_event.key == ADA
    assert created_event.payload.record_id == lead["id"]
    assert created_event.payload.lead.campaign_id == CAMPAIGN
    assert created_event.payload.lead.source == "campaign"

    # Another campaign named by hand: the name marketing gave is the former one's.
    url = f"/v1/leads/{lead['id']}"
    other = uid("other-campaign")
    patched = await sales_client.patch(url, json={"campaign_id": other}, headers={"If-Match": "*"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["campaign_id"], patched.json()["campaign_name"]) == (other, None)


async def test_one_lead_per_response_however_often_it_comes(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, sales_handlers: HandlerMap
) -> None:
    first = deliveries_of(responded(ADA, "response-1", CAMPAIGN))
    unit_of_work = sales_app.state.runtime.unit_of_work
    await deliver(unit_of_work, sales_handlers, first)
    assert await deliver(unit_of_work, sales_handlers, first) == []  # the inbox drops it
    # Re-published: a new event, the same response.
    assert await deliver_events(sales_app, sales_handlers, responded(ADA, "response-1", CAMPAIGN))
    assert len(await campaign_leads(sales_client)) == 1
    assert len(await outbox_events(sales_app, "lead_created")) == 1

    # Another response of the same customer is another lead (not refused as a duplicate).
    await deliver_events(sales_app, sales_handlers, responded(ADA, "response-2", CAMPAIGN))
    leads = await campaign_leads(sales_client)
    assert len(leads) == 2
    assert {lead["customer_id"] for lead in leads} == {ADA}


async def test_an_unowned_customers_lead_is_routed_as_any_unowned_lead(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, sales_handlers: HandlerMap
) -> None:
    await deliver_events(sales_app, sales_handlers, responded(POOLED, "response-1", CAMPAIGN))
    (lead,) = await campaign_leads(sales_client)
    # No allocation rules configured: the pool.
    assert (lead["owner"], lead["company"], lead["name"]) == (None, None, "Pool Person")


async def test_a_merged_alias_response_opens_the_survivors_lead(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, sales_handlers: HandlerMap
) -> None:
    await deliver_events(sales_app, sales_handlers, merged(TWIN, ADA, 2, owner="bob"))
    await deliver_events(sales_app, sales_handlers, responded(ADA, "response-1", CAMPAIGN))
    (lead,) = await campaign_leads(sales_client)
    assert (lead["customer_id"], lead["owner"]) == (TWIN, "bob")


async def test_no_lead_for_an_erased_or_unknown_customer(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, sales_handlers: HandlerMap
) -> None:
    events = (responded(GONE, "response-1", CAMPAIGN), responded(uid("nobody"), "r-2", CAMPAIGN))
    assert await deliver_events(sales_app, sales_handlers, *events) == 2
    assert await campaign_leads(sales_client) == []
    assert await outbox_events(sales_app, "lead_created") == []


# --- crm.marketing.call_task.requested.v1 -> a call -----------------------------------------


async def test_a_call_task_schedules_a_call_for_the_customers_owner(
    sales_app: FastAPI,
    sales_client: httpx.AsyncClient,
    sales_handlers: HandlerMap,
    clock: FakeClock,
) -> None:
    due = NOW + timedelta(days=1)
    task = call_task_requested(
        ADA, "task-1", CAMPAIGN, title=TITLE, script="Ask how\nit went.", due_at=due
    )
    assert await deliver_events(sales_app, sales_handlers, task) == 1

    (call,) = await activities_of(sales_client, ADA)
    assert {k: call[k] for k in ("kind", "subject", "owner", "done", "outcome", "lead_id")} == {
        "kind": "call",
        "subject": f"{TITLE}: Ask how it went.",
        "owner": "ann",
        "done": False,
        "outcome": None,
        "lead_id": None,
    }
    assert call["due_at"] == due.isoformat().replace("+00:00", "Z")
    assert call["created_by"] == "marketing"
    (scheduled,) = await outbox_events(sales_app, "activity_scheduled")
    assert (scheduled.key, scheduled.payload.record_id) == (ADA, call["id"])

    # Its reminder: 15 minutes before it is due.
    timers = sales_app.state.runtime.timers
    clock.set(due - timedelta(minutes=16))
    await timers.fire_due()  # the nightly scoring refit may fire: the reminder not yet
    assert await outbox_events(sales_app, "activity_due") == []
    clock.advance(minutes=1)
    await timers.fire_due()
    (reminded,) = await outbox_events(sales_app, "activity_due")
    assert (reminded.payload.owner, reminded.payload.record_id) == ("ann", call["id"])


async def test_a_long_script_is_cut_to_the_subject(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, sales_handlers: HandlerMap
) -> None:
    script = "Ask how the last order went and offer the spring conditions. " * 10
    await deliver_events(
        sales_app, sales_handlers, call_task_requested(ADA, "t", CAMPAIGN, script=script)
    )
    (call,) = await activities_of(sales_client, ADA)
    assert len(call["subject"]) <= SUBJECT_LENGTH
    assert call["subject"].startswith(f"{TITLE}: Ask how the last order went")
    assert call["subject"].endswith("...")


async def test_one_call_per_task_however_often_it_comes(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, sales_handlers: HandlerMap
) -> None:
    first = deliveries_of(call_task_requested(ADA, "task-1", CAMPAIGN))
    unit_of_work = sales_app.state.runtime.unit_of_work
    await deliver(unit_of_work, sales_handlers, first)
    assert await deliver(unit_of_work, sales_handlers, first) == []
    again = call_task_requested(ADA, "task-1", CAMPAIGN, title="Asked again")
    assert await deliver_events(sales_app, sales_handlers, again) == 1
    (call,) = await activities_of(sales_client, ADA)
    assert call["subject"].startswith(TITLE)
    assert len(await outbox_events(sales_app, "activity_scheduled")) == 1

    await deliver_events(sales_app, sales_handlers, call_task_requested(ADA, "task-2", CAMPAIGN))
    assert len(await activities_of(sales_client, ADA)) == 2


async def test_an_unowned_customers_call_goes_to_the_pool(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, sales_handlers: HandlerMap
) -> None:
    await deliver_events(sales_app, sales_handlers, call_task_requested(POOLED, "t", CAMPAIGN))
    (call,) = await activities_of(sales_client, POOLED)
    assert call["owner"] is None


async def test_no_call_for_an_erased_or_unknown_customer(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, sales_handlers: HandlerMap
) -> None:
    nobody = uid("nobody")
    events = (
        call_task_requested(GONE, "t-1", CAMPAIGN),
        call_task_requested(nobody, "t-2", CAMPAIGN),
    )
    assert await deliver_events(sales_app, sales_handlers, *events) == 2
    assert await activities_of(sales_client, GONE) == []
    assert await activities_of(sales_client, nobody) == []
    assert await outbox_events(sales_app, "activity_scheduled") == []

"""Erasure and merge reach leads and activities: an erased person's leads lose their
personal data and their activities' free text; a merged duplicate's leads and activities
follow the survivor. Delivered as the consumer would, through the inbox."""

import httpx
import pytest
from crm_sales.handlers import handlers
from crm_shared import privacy
from crm_shared.testing import created, deliver, deliveries_of, erased, merged, uid
from fastapi import FastAPI
from sqlalchemy import func, select, update

from services.sales.tests.sales_builders_leads import create_activity, create_lead, deliver_events

ADA, TWIN, OTHER = uid("ada"), uid("twin"), uid("other")


async def mark_outbox_sent(app: FastAPI) -> None:
    """As the relay would once the events are on the bus (only sent events are forgotten:
    the unsent must still go out)."""
    outbox = app.state.runtime.tables.outbox
    async with app.state.runtime.session_factory() as session:
        await session.execute(update(outbox).values(sent_at=func.now()))
        await session.commit()


async def stored_text(app: FastAPI, table_name: str) -> str:
    """Every row of a platform table as text, to look for personal data in."""
    table = getattr(app.state.runtime.tables, table_name)
    async with app.state.runtime.session_factory() as session:
        rows = (await session.execute(select(table))).all()
    return "\n".join(str(tuple(row)) for row in rows)


async def test_erasure_scrubs_the_persons_leads_and_activity_notes(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    grace = {"email": "grace@example.org", "phone": "+14155550100"}
    await deliver_events(sales_app, created(ADA, email="x@example.org"), created(OTHER, **grace))
    lead = await create_lead(
        sales_client, name="Ada Lovelace", company="Engines", email="ada@example.org",
        phone="+442079460000", customer_id=ADA, role="CEO",
    )  # fmt: skip
    kept = await create_lead(sales_client, name="Grace", customer_id=OTHER)
    about_lead = await create_activity(
        sales_client, kind="call", subject="Ada on her engine", lead_id=lead["id"]
    )
    url = f"/v1/activities/{about_lead['id']}/complete"
    await sales_client.post(url, json={"outcome": "Ada wants 3"}, headers={"If-Match": "*"})
    about_customer = await create_activity(sales_client, subject="Ada's visit", customer_id=ADA)
    other = await create_activity(sales_client, subject="Grace's visit", customer_id=OTHER)

    await mark_outbox_sent(sales_app)
    assert "Ada Lovelace" in await stored_text(sales_app, "audit_entries")
    event = deliveries_of(erased(ADA, 3))
    await deliver(sales_app.state.runtime.unit_of_work, handlers, event)
    await deliver(sales_app.state.runtime.unit_of_work, handlers, event)  # redelivered: no-op

    scrubbed = (await sales_client.get(f"/v1/leads/{lead['id']}")).json()
    assert {k: scrubbed[k] for k in ("name", "company", "email", "phone", "role")} == {
        "name": "erased", "company": None, "email": None, "phone": None, "role": None,
    }  # fmt: skip
    assert scrubbed["version"] > lead["version"]
    assert (await sales_client.get(f"/v1/leads/{kept['id']}")).json()["name"] == "Grace"
    for activity in (about_lead, about_customer):
        after = (await sales_client.get(f"/v1/activities/{activity['id']}")).json()
        assert (after["subject"], after["outcome"]) == ("erased", None)
    untouched = (await sales_client.get(f"/v1/activities/{other['id']}")).json()
    assert untouched["subject"] == "Grace's visit"
    # Nor do the audit log's entries or the sent events keep the person's data.
    for table in ("audit_entries", "outbox"):
        text = await stored_text(sales_app, table)
        assert "Ada Lovelace" not in text
        assert "ada@example.org" not in text
        assert "Ada on her engine" not in text
    # The erased person's e-mail no longer blocks, nor matches, anyone.
    again = await create_lead(sales_client, name="Someone", email="ada@example.org")
    assert again["customer_id"] is None


async def test_merge_moves_leads_and_activities_to_the_survivor(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    await deliver_events(sales_app, created(ADA), created(TWIN, email="twin@example.org"))
    lead = await create_lead(sales_client, name="Twin", customer_id=TWIN)
    activity = await create_activity(sales_client, subject="Visit", customer_id=TWIN)
    await deliver_events(sales_app, merged(ADA, TWIN, 2))
    assert (await sales_client.get(f"/v1/leads/{lead['id']}")).json()["customer_id"] == ADA
    moved = (await sales_client.get(f"/v1/activities/{activity['id']}")).json()
    assert (moved["customer_id"], moved["version"]) == (ADA, 2)
    # A lead naming the alias is the survivor's from now on.
    later = await create_lead(sales_client, name="Later", customer_id=TWIN)
    assert later["customer_id"] == ADA


async def test_events_on_their_way_at_the_erasure_are_forgotten_once_sent(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relay may have published an event about the person and not yet marked it sent
    when the erasure runs: it is dropped as soon as it is marked (crm_shared.privacy)."""
    monkeypatch.setattr(privacy, "FORGET_AGAIN_AFTER_SECONDS", (3600.0,))
    await deliver_events(sales_app, created(ADA))
    await create_lead(sales_client, name="Ada Lovelace", customer_id=ADA)
    waiting_before = set(privacy._pending)  # earlier tests' passes (one event loop for all)
    await deliver_events(sales_app, erased(ADA, 2))
    assert "Ada Lovelace" in await stored_text(sales_app, "outbox")  # unsent: still to go out
    later = privacy._pending - waiting_before
    assert later  # a later pass is waiting (run by hand below)
    for task in later:
        task.cancel()

    await mark_outbox_sent(sales_app)  # the relay marks it (after the erasure committed)
    monkeypatch.setattr(privacy, "FORGET_AGAIN_AFTER_SECONDS", (0.0,))
    runtime = sales_app.state.runtime
    await privacy._forget_sent_later(runtime.session_factory, runtime.tables, [ADA])
    assert "Ada Lovelace" not in await stored_text(sales_app, "outbox")

"""The events a change of a contact publishes (``crm.customer.contact_*.v1``), and the consent
details a customer snapshot carries through a merge."""

from datetime import datetime

import httpx
from crm_customer.models import platform_tables
from crm_shared.contracts.customer import (
    ConsentChannel,
    CustomerContactAdded,
    CustomerContactChanged,
    CustomerContactRemoved,
    CustomerMerged,
    CustomerUpdated,
)
from crm_shared.db import utcnow
from fastapi import FastAPI
from sqlalchemy import update

from services.customer.tests.customer_api_helpers import (
    create_customer,
    events_of,
    if_match,
    outbox_events,
)


async def test_adding_changing_and_removing_a_contact_publish_its_snapshot(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    url = f"/v1/customers/{acme['id']}/contacts"
    response = await customer_client.post(
        url,
        json={
            "name": "Eve Stone",
            "email": "eve@acme.example",
            "phone": "+1 415 555 0199",
            "job_title": "CTO",
            "department": "IT",
            "buying_roles": ["decision_maker"],
            "is_primary": True,
            "notes": "met at the fair",
        },
    )
    assert response.status_code == 201, response.text
    eve = response.json()

    [added] = await events_of(customer_app, "contact_added")
    assert isinstance(added, CustomerContactAdded)
    assert (added.customer_id, added.contact_id) == (acme["id"], eve["id"])
    # A contact has its own version: the customer's stays what it was.
    assert added.customer_version == acme["version"]
    assert added.contact_version == eve["version"] == 1
    snapshot = added.contact.model_dump(mode="json")
    assert snapshot == {
        "id": eve["id"],
        "customer_id": acme["id"],
        "name": "Eve Stone",
        "email": "eve@acme.example",
        "phone": "+14155550199",
        "job_title": "CTO",
        "department": "IT",
        "buying_roles": ["decision_maker"],
        "is_primary": True,
        "version": 1,
        "created_at": snapshot["created_at"],
        "updated_at": snapshot["updated_at"],
    }
    assert datetime.fromisoformat(snapshot["created_at"]).tzinfo is not None
    type_, key, envelope, _ = (await outbox_events(customer_app))[-1]
    assert (type_, key, envelope.subject) == (added.event_type, acme["id"], acme["id"])
    assert b"met at the fair" not in envelope.to_json()  # notes stay in the customer master

    eve_url = f"{url}/{eve['id']}"
    patched = await customer_client.patch(
        eve_url,
        json={"job_title": "CEO", "buying_roles": ["decision_maker", "buyer"]},
        headers=await if_match(customer_client, eve_url),
    )
    assert patched.status_code == 200, patched.text
    [changed] = await events_of(customer_app, "contact_changed")
    assert isinstance(changed, CustomerContactChanged)
    assert changed.changed_fields == ["buying_roles", "job_title"]
    assert changed.contact_version == patched.json()["version"] == 2
    assert changed.customer_version == acme["version"]
    assert changed.contact.job_title == "CEO"
    assert changed.contact.buying_roles == ["decision_maker", "buyer"]
    assert (await customer_client.get(f"/v1/customers/{acme['id']}")).json()["version"] == acme[
        "version"
    ]

    removed = await customer_client.delete(
        eve_url, headers=await if_match(customer_client, eve_url)
    )
    assert removed.status_code == 204
    [gone] = await events_of(customer_app, "contact_removed")
    assert isinstance(gone, CustomerContactRemoved)
    assert (gone.customer_id, gone.contact_id, gone.contact_version) == (acme["id"], eve["id"], 2)
    assert gone.removed_at.tzinfo is not None


async def test_a_new_primary_contact_publishes_the_demotion_of_the_old_one(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    url = f"/v1/customers/{acme['id']}/contacts"
    eve = (await customer_client.post(url, json={"name": "Eve", "is_primary": True})).json()
    bob = (await customer_client.post(url, json={"name": "Bob", "is_primary": True})).json()

    added = await events_of(customer_app, "contact_added")
    assert [(e.contact.name, e.contact.is_primary) for e in added] == [
        ("Eve", True),
        ("Bob", True),
    ]
    [demoted] = await events_of(customer_app, "contact_changed")
    assert isinstance(demoted, CustomerContactChanged)
    assert (demoted.contact_id, demoted.changed_fields) == (eve["id"], ["is_primary"])
    assert (demoted.contact.is_primary, demoted.contact_version) == (False, 2)
    assert bob["is_primary"] is True


async def test_a_change_that_changes_nothing_published_publishes_nothing(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    url = f"/v1/customers/{acme['id']}/contacts"
    eve = (await customer_client.post(url, json={"name": "Eve", "job_title": "CTO"})).json()
    eve_url = f"{url}/{eve['id']}"
    before = len(await outbox_events(customer_app))

    same = await customer_client.patch(
        eve_url,
        json={"name": "Eve", "job_title": "CTO"},
        headers=await if_match(customer_client, eve_url),
    )
    assert same.status_code == 200, same.text
    assert same.json()["version"] == eve["version"]  # a no-op: no new version
    notes = await customer_client.patch(
        eve_url, json={"notes": "prefers calls"}, headers=await if_match(customer_client, eve_url)
    )
    assert notes.status_code == 200, notes.text  # a new version, but nothing published changed
    assert len(await outbox_events(customer_app)) == before


async def test_snapshots_carry_consent_details_and_a_merge_keeps_the_duplicates(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    survivor = await create_customer(customer_client, kind="business", name="Acme")
    duplicate = await create_customer(customer_client, kind="business", name="ACME GmbH")
    s_url, d_url = f"/v1/customers/{survivor['id']}", f"/v1/customers/{duplicate['id']}"
    decided_at = "2026-03-01T09:30:00+00:00"
    for url, channel, body in (
        (s_url, "email", {"granted": True, "source": "web form"}),
        (d_url, "sms", {"granted": True, "source": "trade fair", "decided_at": decided_at}),
    ):
        written = await customer_client.put(
            f"{url}/consent/{channel}", json=body, headers=await if_match(customer_client, url)
        )
        assert written.status_code == 200, written.text
    renamed = await customer_client.patch(
        s_url, json={"name": "Acme AG"}, headers=await if_match(customer_client, s_url)
    )
    assert renamed.status_code == 200, renamed.text
    [updated] = await events_of(customer_app, "updated")
    assert isinstance(updated, CustomerUpdated)
    email = updated.customer.consent_details[ConsentChannel.EMAIL]
    assert (email.granted, email.source) == (True, "web form")
    assert email.changed_at is not None

    merged = await customer_client.post(
        f"{s_url}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=await if_match(customer_client, s_url),
    )
    assert merged.status_code == 200, merged.text
    [event] = await events_of(customer_app, "merged")
    assert isinstance(event, CustomerMerged)
    details = event.customer.consent_details
    assert set(details) == {ConsentChannel.EMAIL, ConsentChannel.SMS}
    sms = details[ConsentChannel.SMS]  # copied from the duplicate, with its source and time
    assert (sms.granted, sms.source) == (True, "trade fair")
    assert sms.changed_at == datetime.fromisoformat(decided_at)
    assert details[ConsentChannel.EMAIL].source == "web form"
    assert event.customer.consent == {ConsentChannel.EMAIL: True, ConsentChannel.SMS: True}


async def test_erasure_forgets_the_sent_contact_events_and_publishes_none(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    url = f"/v1/customers/{acme['id']}/contacts"
    eve = (await customer_client.post(url, json={"name": "Eve Stone", "is_primary": True})).json()
    await customer_client.patch(
        f"{url}/{eve['id']}",
        json={"email": "eve@acme.example"},
        headers=await if_match(customer_client, f"{url}/{eve['id']}"),
    )
    outbox = platform_tables.outbox
    async with customer_app.state.runtime.session_factory() as session, session.begin():
        await session.execute(update(outbox).values(sent_at=utcnow()))  # as the relay would

    erased = await customer_client.post(
        f"/v1/customers/{acme['id']}/erasure",
        json={"reason": "asked"},
        headers=await if_match(customer_client, f"/v1/customers/{acme['id']}"),
    )
    assert erased.status_code == 200, erased.text

    events = await outbox_events(customer_app)
    assert [type_ for type_, *_ in events] == ["crm.customer.erased.v1"]
    assert all(b"Eve Stone" not in envelope.to_json() for _, _, envelope, _ in events)
    scrubbed = (await customer_client.get(url)).json()["items"]
    assert [(c["email"], c["name"] == "Eve Stone") for c in scrubbed] == [(None, False)]

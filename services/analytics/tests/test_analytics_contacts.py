"""Contacts, consent details and the ETag of the 360 profile, on a real database: contact
events build the profile's contacts (guarded per contact by its version), a merge moves the
duplicate's contacts to the survivor, an erasure drops them; the consent details of a
snapshot (a merged survivor's too) are shown; the profile answers 304 to its own ETag."""

from datetime import datetime
from typing import Any

import httpx
from crm_analytics.profiles.models import ProfileContact
from crm_shared.contracts.customer import (
    ConsentChannel,
    ConsentDetail,
    ContactSnapshot,
    CustomerContactAdded,
    CustomerContactChanged,
    CustomerContactRemoved,
    CustomerKind,
)
from crm_shared.testing import T0, at, created, deliveries_of, envelope_of, erased, merged, uid
from crm_shared.testing import deliver as deliver_events
from fastapi import FastAPI
from sqlalchemy import select

from services.analytics.tests.analytics_harness import (
    deliver,
    handlers_of,
    profile_of,
    timeline_of,
)

# Customer ids (UUIDs, as the master issues them) named for the tests.
C1, C2, C9 = uid("c1"), uid("c2"), uid("c9")

BUSINESS = {"kind": CustomerKind.BUSINESS}


def contact(
    customer_id: str, contact_id: str, version: int, name: str, **fields: Any
) -> ContactSnapshot:
    values: dict[str, Any] = {
        "id": contact_id,
        "customer_id": customer_id,
        "name": name,
        "email": f"{name.split()[0].lower()}@acme.example",
        "phone": "+14155550199",
        "job_title": "CTO",
        "department": "IT",
        "buying_roles": ["decision_maker"],
        "is_primary": False,
        "version": version,
        "created_at": T0,
        "updated_at": at(version),
    }
    return ContactSnapshot.model_validate({**values, **fields})


def added(
    customer_id: str, contact_id: str, name: str, customer_version: int = 1, **fields: Any
) -> CustomerContactAdded:
    return CustomerContactAdded(
        customer_id=customer_id,
        customer_version=customer_version,
        contact_id=contact_id,
        contact_version=1,
        contact=contact(customer_id, contact_id, 1, name, **fields),
    )


def changed(
    customer_id: str, contact_id: str, version: int, name: str, **fields: Any
) -> CustomerContactChanged:
    return CustomerContactChanged(
        customer_id=customer_id,
        customer_version=1,
        contact_id=contact_id,
        contact_version=version,
        changed_fields=sorted(fields) or ["name"],
        contact=contact(customer_id, contact_id, version, name, **fields),
    )


def removed(customer_id: str, contact_id: str, version: int) -> CustomerContactRemoved:
    return CustomerContactRemoved(
        customer_id=customer_id,
        customer_version=1,
        contact_id=contact_id,
        contact_version=version,
        removed_at=at(30),
    )


def shown(profile: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(c["name"], c["is_primary"]) for c in profile["contacts"]]


async def contact_rows(app: FastAPI) -> list[ProfileContact]:
    async with app.state.runtime.session_factory() as session:
        return list(await session.scalars(select(ProfileContact)))


async def test_contact_events_build_the_profiles_contacts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1, **BUSINESS), at(0))
    await deliver(app, added(C1, "k-bob", "Bob Stone"), at(1))
    await deliver(app, added(C1, "k-eve", "Eve Wu", is_primary=True), at(2))
    await deliver(app, added(C1, "k-ann", "ann Lee", buying_roles=[]), at(3))

    profile = await profile_of(client, C1)
    assert shown(profile) == [("Eve Wu", True), ("ann Lee", False), ("Bob Stone", False)]
    assert profile["contacts"][0] == {
        "id": "k-eve",
        "name": "Eve Wu",
        "email": "eve@acme.example",
        "phone": "+14155550199",
        "job_title": "CTO",
        "department": "IT",
        "buying_roles": ["decision_maker"],
        "is_primary": True,
    }
    assert profile["version"] == 1  # contacts do not change the customer's version

    await deliver(app, changed(C1, "k-bob", 2, "Bob Stone", job_title="CEO"), at(4))
    await deliver(app, removed(C1, "k-ann", 1), at(5))
    profile = await profile_of(client, C1)
    assert shown(profile) == [("Eve Wu", True), ("Bob Stone", False)]
    assert profile["contacts"][1]["job_title"] == "CEO"
    summaries = [entry["summary"] for entry in await timeline_of(client, C1)]
    assert "Contact added: Eve Wu (CTO)" in summaries
    assert "Contact removed" in summaries


async def test_replayed_and_older_contact_events_change_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1, **BUSINESS), at(0))
    first = await deliver(app, added(C1, "k-bob", "Bob Stone"), at(1))
    await deliver(app, changed(C1, "k-bob", 3, "Robert Stone"), at(2))
    before = await profile_of(client, C1)

    # The same event again (a redelivery), and events older than what the profile holds.
    await deliver(app, added(C1, "k-bob", "Bob Stone"), at(1), event_id=first.id)
    await deliver(app, added(C1, "k-bob", "Bob Stone"), at(3))
    await deliver(app, changed(C1, "k-bob", 2, "Bobby Stone"), at(4))
    await deliver(app, changed(C1, "k-bob", 3, "Bobby Stone"), at(5))
    after = await profile_of(client, C1)
    assert after["contacts"] == before["contacts"]
    assert shown(after) == [("Robert Stone", False)]

    # A removal is final: nothing older or newer brings the contact back.
    await deliver(app, removed(C1, "k-bob", 3), at(6))
    await deliver(app, changed(C1, "k-bob", 4, "Bob Again"), at(7))
    await deliver(app, added(C1, "k-bob", "Bob Again"), at(8))
    assert (await profile_of(client, C1))["contacts"] == []
    [row] = await contact_rows(app)
    assert (row.name, row.email, row.removed_at) == (None, None, at(30))  # no personal data


async def test_a_run_applied_in_one_transaction_equals_the_events_one_by_one(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    events = [
        created(C1, 1, **BUSINESS),
        added(C1, "k-bob", "Bob Stone"),
        changed(C1, "k-bob", 3, "Robert Stone"),
        changed(C1, "k-bob", 2, "Bobby Stone"),  # overtaken: ignored
        added(C1, "k-eve", "Eve Wu", is_primary=True),
        removed(C1, "k-eve", 1),
        added(C1, "k-joe", "Joe Park", is_primary=True),
    ]
    sent = [envelope_of(event, "crm/customer", time=at(n)) for n, event in enumerate(events)]
    unit_of_work = app.state.runtime.unit_of_work
    await deliver_events(unit_of_work, handlers_of(app), deliveries_of(*sent), one_run=True)
    profile = await profile_of(client, C1)
    assert shown(profile) == [("Joe Park", True), ("Robert Stone", False)]


async def test_a_merge_moves_the_duplicates_contacts_to_the_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1, **BUSINESS), at(0))
    await deliver(app, created(C2, 1, **BUSINESS), at(0))
    await deliver(app, added(C1, "k-joe", "Joe Park", is_primary=True), at(1))
    await deliver(app, added(C2, "k-eve", "Eve Wu", is_primary=True), at(1))
    await deliver(app, added(C2, "k-amy", "Amy Ray"), at(1))

    await deliver(app, merged(C1, C2, 5, **BUSINESS), at(2))
    survivor = await profile_of(client, C1)
    assert shown(survivor) == [("Joe Park", True), ("Amy Ray", False), ("Eve Wu", False)]
    assert (await profile_of(client, C2))["contacts"] == survivor["contacts"]

    # A late event about the duplicate's contact lands on the survivor, not as its primary.
    await deliver(app, changed(C2, "k-eve", 2, "Eve Wu-Lee", is_primary=True), at(3))
    assert shown(await profile_of(client, C1)) == [
        ("Joe Park", True),
        ("Amy Ray", False),
        ("Eve Wu-Lee", False),
    ]
    assert {row.customer_id for row in await contact_rows(app)} == {C1}


async def test_erasure_drops_the_customers_contacts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1, **BUSINESS), at(0))
    await deliver(app, created(C2, 1, **BUSINESS), at(0))
    await deliver(app, added(C1, "k-joe", "Joe Park", is_primary=True), at(1))
    await deliver(app, added(C2, "k-eve", "Eve Wu"), at(1))
    await deliver(app, added(C9, "k-kim", "Kim Other"), at(1))

    await deliver(app, erased(C1, 2), at(2))
    await deliver(app, added(C1, "k-new", "Nat Late"), at(3))  # after the erasure: dropped
    await deliver(app, merged(C1, C2, 3, **BUSINESS), at(4))  # a late merge into it

    profile = await profile_of(client, C1)
    assert profile["status"] == "erased"
    assert profile["contacts"] == []
    assert [row.contact_id for row in await contact_rows(app)] == ["k-kim"]  # others' stay
    text = str(await timeline_of(client, C1))
    for personal in ("Joe Park", "joe@acme.example", "Eve Wu", "Nat Late", "+14155550199"):
        assert personal not in text


async def test_consent_details_are_shown_and_carried_through_a_merge(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    email_at, sms_at = datetime.fromisoformat("2025-02-10T08:00:00+00:00"), at(-600)
    web_form = ConsentDetail(granted=True, source="web form", changed_at=email_at)
    details = {ConsentChannel.EMAIL: web_form}
    consent = {ConsentChannel.EMAIL: True}
    await deliver(app, created(C1, 1, consent=consent, consent_details=details), at(0))
    profile = await profile_of(client, C1)
    assert profile["consent"] == {
        "email": {"granted": True, "source": "web form", "changed_at": "2025-02-10T08:00:00Z"}
    }

    # The survivor's snapshot holds the consent records it took over from the duplicate.
    await deliver(app, created(C2, 1, consent={ConsentChannel.SMS: True}), at(0))
    taken = {
        **details,
        ConsentChannel.SMS: ConsentDetail(granted=True, source="trade fair", changed_at=sms_at),
    }
    both = {ConsentChannel.EMAIL: True, ConsentChannel.SMS: True}
    await deliver(app, merged(C1, C2, 4, consent=both, consent_details=taken), at(5))
    survivor = await profile_of(client, C1)
    assert survivor["consent"]["sms"] == {
        "granted": True,
        "source": "trade fair",
        "changed_at": sms_at.isoformat().replace("+00:00", "Z"),
    }
    assert survivor["consent"]["email"]["source"] == "web form"


async def test_the_profile_answers_304_to_its_etag_until_it_changes(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1, **BUSINESS), at(0))
    response = await client.get(f"/v1/profiles/{C1}")
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert etag.startswith('"1-')
    assert etag.endswith('"')

    again = await client.get(f"/v1/profiles/{C1}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = await client.get(f"/v1/profiles/{C1}", headers={"If-None-Match": '"1"'})
    assert other.status_code == 200

    # A contact changes what the profile shows, not its version: the ETag changes all the same.
    await deliver(app, added(C1, "k-joe", "Joe Park"), at(1))
    changed_answer = await client.get(f"/v1/profiles/{C1}", headers={"If-None-Match": etag})
    assert changed_answer.status_code == 200
    assert changed_answer.json()["version"] == 1
    assert changed_answer.headers["etag"] != etag

    # A merged id answers with the survivor's profile, and its own tag (the body differs).
    await deliver(app, created(C2, 1, **BUSINESS), at(2))
    await deliver(app, merged(C1, C2, 3, **BUSINESS), at(3))
    via_alias = await client.get(f"/v1/profiles/{C2}")
    direct = await client.get(f"/v1/profiles/{C1}")
    assert via_alias.headers["content-location"] == f"/v1/profiles/{C1}"
    assert via_alias.headers["etag"] != direct.headers["etag"]
    not_modified = await client.get(
        f"/v1/profiles/{C2}", headers={"If-None-Match": via_alias.headers["etag"]}
    )
    assert not_modified.status_code == 304
    assert not_modified.headers["content-location"] == f"/v1/profiles/{C1}"

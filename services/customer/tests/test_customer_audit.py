"""The audit log of the customer service: who changed which customer, when, which fields,
from which request; read by admins only; redacted by an erasure."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from crm_customer.customers.models import Customer
from crm_shared.clock import FakeClock
from crm_shared.db.audit import ERASED
from crm_shared.db.audit_log import purge_audit_entries
from crm_shared.testing import assert_problem
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import if_match

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def audit_of(
    customer_client: httpx.AsyncClient, record: str, **params: Any
) -> list[dict[str, Any]]:
    response = await customer_client.get("/v1/audit", params={"record": record, **params})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["items"]
    return entries


async def test_create_change_and_consent_are_recorded_with_who_when_and_what(
    customer_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    created = await customer_client.post(
        "/v1/customers",
        json={"kind": "individual", "name": "Ann Lee", "email": "ann@example.org", "tags": ["vip"]},
        headers={**as_subject("maria"), "X-Correlation-ID": "req-create"},
    )
    assert created.status_code == 201, created.text
    url = f"/v1/customers/{created.json()['id']}"
    clock.advance(minutes=5)
    changed = await customer_client.patch(
        url,
        json={"email": "ann.lee@example.org", "owner": "maria"},
        headers={
            **as_subject("tom"),
            "X-Correlation-ID": "req-patch",
            "X-Actor": "mallory",  # a claim, ignored: the token says who calls
            **await if_match(customer_client, url),
        },
    )
    assert changed.status_code == 200, changed.text
    consent = await customer_client.put(
        f"{url}/consent/email",
        json={"granted": True, "source": "web form"},
        headers={**as_subject("client:shop"), **await if_match(customer_client, url)},
    )
    assert consent.status_code == 200, consent.text

    entries = await audit_of(customer_client, created.json()["id"])
    creation = entries[0]
    assert (creation["action"], creation["actor"], creation["actor_kind"]) == (
        "created", "maria", "person",
    )  # fmt: skip
    assert creation["request_id"] == "req-create"
    assert creation["record_type"] == "customer"
    assert creation["occurred_at"] == START.isoformat().replace("+00:00", "Z")
    assert creation["changes"]["name"] == [None, "Ann Lee"]
    assert creation["changes"]["email"] == [None, "ann@example.org"]
    # Derived matching keys are copies, not changes; the record's id is the entry's.
    assert not {"name_folded", "email_normalized", "name_key", "id"} & set(creation["changes"])
    tag = next(entry for entry in entries if entry["action"] == "tag_added")
    assert tag["changes"] == {"tag": [None, "vip"]}

    update = next(entry for entry in entries if entry["request_id"] == "req-patch")
    assert (update["action"], update["actor"]) == ("changed", "tom")
    assert update["changes"] == {
        "email": ["ann@example.org", "ann.lee@example.org"],
        "owner": [None, "maria"],
    }
    decisions = [entry for entry in entries if entry["action"] == "consent_added"]
    assert [entry["actor"] for entry in decisions] == ["client:shop"]
    assert decisions[0]["changes"]["channel"] == [None, "email"]
    assert decisions[0]["changes"]["granted"] == [None, True]


async def test_a_refused_change_leaves_no_entry(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    created = await customer_client.post("/v1/customers", json={"kind": "individual", "name": "Bo"})
    customer_id = created.json()["id"]
    stale = await customer_client.patch(
        f"/v1/customers/{customer_id}", json={"name": "Bob"}, headers={"If-Match": '"7"'}
    )
    assert_problem(stale, 412)
    assert [entry["action"] for entry in await audit_of(customer_client, customer_id)] == [
        "created"
    ]

    # What a flush captured goes with a rollback: the unit's next commit writes none of it.
    async with customer_app.state.runtime.unit_of_work() as uow:
        customer = await uow.session.get(Customer, customer_id)
        customer.name = "Robert"
        await uow.session.flush()
        await uow.rollback()
        await uow.commit()
    assert [entry["action"] for entry in await audit_of(customer_client, customer_id)] == [
        "created"
    ]


async def test_only_admins_read_the_audit_log(customer_client: httpx.AsyncClient) -> None:
    for role in ("sales", "marketing", "support", "analyst"):
        refused = await customer_client.get("/v1/audit", headers=as_subject("someone", role=role))
        assert_problem(refused, 403, contains="audit:read")
    assert (
        await customer_client.get("/v1/audit", headers={"Authorization": ""})
    ).status_code == 401


async def test_filters_and_pages(customer_client: httpx.AsyncClient, clock: FakeClock) -> None:
    ids = []
    for name in ("A", "B", "C"):
        created = await customer_client.post(
            "/v1/customers", json={"kind": "individual", "name": name}, headers=as_subject(name)
        )
        ids.append(created.json()["id"])
        clock.advance(minutes=1)
    by_actor = (await customer_client.get("/v1/audit", params={"actor": "B"})).json()["items"]
    assert [entry["record_id"] for entry in by_actor] == [ids[1]]
    later = (
        await customer_client.get("/v1/audit", params={"since": "2027-03-01T09:01:00Z"})
    ).json()
    assert [entry["record_id"] for entry in later["items"]] == ids[1:]
    first = (
        await customer_client.get("/v1/audit", params={"limit": 2, "record_type": "customer"})
    ).json()
    assert [entry["record_id"] for entry in first["items"]] == ids[:2]
    rest = (await customer_client.get("/v1/audit", params={"cursor": first["next_cursor"]})).json()
    assert [entry["record_id"] for entry in rest["items"]] == ids[2:]
    assert rest["next_cursor"] is None
    assert_problem(await customer_client.get("/v1/audit", params={"cursor": "nonsense"}), 400)


async def test_erasure_redacts_the_persons_values_in_the_customers_entries(
    customer_client: httpx.AsyncClient,
) -> None:
    created = await customer_client.post(
        "/v1/customers",
        json={
            "kind": "business", "name": "Grace Hopper", "email": "grace@example.org",
            "phone": "+14155550199", "tags": ["navy"], "owner": "maria",
        },
    )  # fmt: skip
    customer_id = created.json()["id"]
    url = f"/v1/customers/{customer_id}"
    contact = await customer_client.post(
        f"{url}/contacts", json={"name": "Grace's assistant", "email": "aide@example.org"}
    )
    assert contact.status_code in (200, 201), contact.text
    patched = await customer_client.patch(
        url, json={"name": "Grace B. Hopper"}, headers=await if_match(customer_client, url)
    )
    assert patched.status_code == 200, patched.text
    erased = await customer_client.post(
        f"{url}/erasure", json={"reason": "asked"}, headers=await if_match(customer_client, url)
    )
    assert erased.status_code == 200, erased.text

    entries = await audit_of(customer_client, customer_id)
    text = str(entries)
    for personal in ("Grace", "grace@example.org", "4155550199", "navy", "aide@example.org"):
        assert personal not in text, (personal, entries)
    creation = entries[0]
    assert creation["changes"]["name"] == [None, ERASED]
    assert creation["changes"]["owner"] == [None, "maria"]  # staff, not the person: kept
    assert creation["changes"]["kind"] == [None, "business"]
    erasure = entries[-1]
    assert erasure["action"] == "erased"
    assert erasure["changes"]["status"] == ["active", "erased"]
    assert erasure["changes"]["email"] == [ERASED, None]


async def test_a_csv_import_leaves_an_entry_per_customer_it_creates_or_changes(
    customer_client: httpx.AsyncClient,
) -> None:
    existing = await customer_client.post(
        "/v1/customers", json={"kind": "individual", "name": "Old", "email": "old@example.org"}
    )
    existing_id = existing.json()["id"]
    csv = (
        "kind,name,email,tags\n"
        "individual,New,new@example.org,vip\n"
        "individual,Old,old@example.org,gold\n"
    )
    imported = await customer_client.post(
        "/v1/customers/import",
        content=csv.encode(),
        headers={"content-type": "text/csv", **as_subject("importer")},
    )
    assert imported.status_code == 200, imported.text
    entries = (await customer_client.get("/v1/audit", params={"actor": "importer"})).json()["items"]
    by_record = {entry["record_id"]: entry for entry in entries}
    assert len(by_record) == 2
    created = next(entry for entry in entries if entry["action"] == "imported")
    assert created["changes"]["name"] == [None, "New"]
    assert created["changes"]["tags"] == [None, ["vip"]]
    # matched by e-mail; only what changed is recorded
    assert by_record[existing_id]["action"] == "changed"
    assert by_record[existing_id]["changes"] == {"tags": [[], ["gold"]]}


async def test_entries_older_than_the_retention_are_purged(
    customer_client: httpx.AsyncClient, customer_app: FastAPI, clock: FakeClock
) -> None:
    old = (
        await customer_client.post("/v1/customers", json={"kind": "individual", "name": "Old"})
    ).json()
    clock.advance(days=300)
    new = (
        await customer_client.post("/v1/customers", json={"kind": "individual", "name": "New"})
    ).json()
    clock.advance(days=101)
    retention = timedelta(days=customer_app.state.runtime.settings.audit_retention_days)
    async with customer_app.state.runtime.unit_of_work() as uow:  # what housekeeping does
        assert await purge_audit_entries(uow, retention) == 1
        await uow.commit()
    assert await audit_of(customer_client, old["id"]) == []
    assert len(await audit_of(customer_client, new["id"])) == 1

"""Versions without hand-written flushes: a record starts at version 1, every change step is
the next version (set by the application, guarded by the UPDATE's ``WHERE version = …``),
and several steps in one unit of work record events with distinct, increasing versions.
Time comes from the injected clock."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from crm_customer.contacts import service as contacts
from crm_customer.contacts.schemas import ContactCreate, ContactUpdate
from crm_customer.credit import service as credit
from crm_customer.customers import service as customers
from crm_customer.customers.models import Customer
from crm_customer.customers.schemas import CustomerCreate, CustomerUpdate
from crm_customer.db import FIRST_VERSION
from crm_customer.lifecycle.service import change_stage
from crm_shared.api.idempotency import delete_expired_keys
from crm_shared.auth.access import EVERYTHING
from crm_shared.clock import FakeClock
from crm_shared.contracts.customer import (
    CustomerCreated,
    CustomerCreditRated,
    CustomerEvent,
    CustomerLifecycleChanged,
    CustomerMerged,
    CustomerUpdated,
    LifecycleStage,
    OperatingGrade,
)
from crm_shared.preconditions import ANY_VERSION, ExpectedVersion
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from services.customer.tests.customer_api_helpers import create_customer, outbox_events

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")  # as pydantic writes UTC


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def customer_events(customer_app: FastAPI) -> list[CustomerEvent]:
    return [p for _, _, _, p in await outbox_events(customer_app) if isinstance(p, CustomerEvent)]


async def stored_version(customer_app: FastAPI, customer_id: str) -> tuple[int, datetime]:
    async with customer_app.state.runtime.session_factory() as session:
        row = (
            await session.execute(
                select(Customer.version, Customer.updated_at).where(Customer.id == customer_id)
            )
        ).one()
    return row.version, row.updated_at


def test_touch_is_one_change_step() -> None:
    customer = Customer(version=FIRST_VERSION, updated_at=START)
    later = START + timedelta(minutes=5)
    customer.touch(later)
    assert (customer.version, customer.updated_at) == (2, later)
    customer.touch(later)
    assert customer.version == 3


async def test_each_change_step_is_the_next_version_stamped_by_the_clock(
    customer_app: FastAPI, customer_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    created = await create_customer(customer_client, kind="business", name="Acme")
    assert (created["version"], created["created_at"]) == (1, iso(START))
    url = f"/v1/customers/{created['id']}"

    later = clock.advance(minutes=10)
    patched = await customer_client.patch(url, json={"owner": "maria"}, headers={"If-Match": '"1"'})
    assert (patched.headers["etag"], patched.json()["updated_at"]) == ('"2"', iso(later))
    staged = await customer_client.post(
        f"{url}/lifecycle", json={"stage": "prospect", "reason": "x"}, headers={"If-Match": '"2"'}
    )
    assert staged.json()["version"] == 3
    consent = await customer_client.put(
        f"{url}/consent/email", json={"granted": True, "source": "web"}, headers={"If-Match": '"3"'}
    )
    assert consent.json()["version"] == 4
    assert await stored_version(customer_app, created["id"]) == (4, later)
    assert [e.customer_version for e in await customer_events(customer_app)] == [1, 2, 3, 4]

    # Nothing changed: no step, no version, no event.
    same = await customer_client.patch(url, json={"owner": "maria"}, headers={"If-Match": '"4"'})
    assert same.headers["etag"] == '"4"'
    assert len(await customer_events(customer_app)) == 4


async def test_several_steps_in_one_unit_record_increasing_versions(
    customer_app: FastAPI, clock: FakeClock
) -> None:
    runtime = customer_app.state.runtime
    settings = runtime.settings
    async with runtime.unit_of_work() as uow:
        created = await customers.create_customer(
            uow,
            CustomerCreate(kind="business", name="Acme"),
            settings,
            actor=None,
            strict=False,
            scope=EVERYTHING,
        )
        customer = created.customer
        change_stage(uow, customer, LifecycleStage.PROSPECT, "demo booked", None)
        clock.advance(minutes=1)
        change_stage(uow, customer, LifecycleStage.CUSTOMER, "first order", None)
        await customers.update_customer(uow, customer, CustomerUpdate(owner="maria"), settings)
        await uow.commit()
    events = await customer_events(customer_app)
    assert [type(e) for e in events] == [
        CustomerCreated,
        CustomerLifecycleChanged,
        CustomerLifecycleChanged,
        CustomerUpdated,
    ]
    assert [e.customer_version for e in events] == [1, 2, 3, 4]
    assert isinstance(events[-1], CustomerUpdated)
    assert events[-1].customer.version == 4  # the snapshot is of the same step
    assert await stored_version(customer_app, customer.id) == (4, START + timedelta(minutes=1))

    # Steps on a stored record: one UPDATE from the version read to the last one.
    async with runtime.unit_of_work() as uow:
        customer = await customers.load(uow, customer.id)
        change_stage(uow, customer, LifecycleStage.LOST, "no orders", None)
        await credit.set_operating_grade(
            uow, customer.id, OperatingGrade.GRADE_2, "loss", settings, None, ANY_VERSION
        )
        await uow.commit()
    assert [e.customer_version for e in await customer_events(customer_app)][4:] == [5, 6]
    assert (await stored_version(customer_app, customer.id))[0] == 6


async def test_a_merge_rerates_then_merges_with_distinct_versions(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    survivor = await create_customer(customer_client, kind="business", name="Acme")
    duplicate = await create_customer(customer_client, kind="business", name="ACME GmbH")
    today = START.date()
    invoice = {
        "reference": "INV-1",
        "amount": "100",
        "issued_on": (today - timedelta(days=60)).isoformat(),
        "due_on": (today - timedelta(days=30)).isoformat(),
        "paid_amount": "100",
        "paid_on": (today - timedelta(days=40)).isoformat(),
    }
    receivable = await customer_client.post(
        f"/v1/customers/{duplicate['id']}/receivables", json=invoice
    )
    assert receivable.headers["etag"] == '"1"'
    before = len(await customer_events(customer_app))

    merged = await customer_client.post(
        f"/v1/customers/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers={"If-Match": '"1"'},
    )
    assert merged.status_code == 200, merged.text
    rated, merge = (await customer_events(customer_app))[before:]
    assert isinstance(rated, CustomerCreditRated)
    assert isinstance(merge, CustomerMerged)
    assert (rated.customer_id, rated.credit_grade) == (survivor["id"], "A")
    assert (rated.customer_version, merge.customer_version) == (2, 3)
    assert merged.json()["version"] == merge.customer.version == 3
    assert (await stored_version(customer_app, survivor["id"]))[0] == 3
    assert (await stored_version(customer_app, duplicate["id"]))[0] == 3  # rated once, then retired
    moved = await customer_client.get(
        f"/v1/customers/{survivor['id']}/receivables/{receivable.json()['id']}"
    )
    assert moved.headers["etag"] == '"2"'  # it changed hands: one step


async def test_contacts_and_receivables_start_at_1_and_step_once_per_change(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    runtime = customer_app.state.runtime
    async with runtime.unit_of_work() as uow:
        eve = await contacts.add_contact(
            uow, acme["id"], ContactCreate(name="Eve", is_primary=True), runtime.settings
        )
        assert eve.version == 1
        bob = await contacts.add_contact(
            uow, acme["id"], ContactCreate(name="Bob", is_primary=True), runtime.settings
        )
        assert (eve.version, eve.is_primary, bob.version) == (2, False, 1)  # demoted: a step
        await contacts.update_contact(
            uow,
            acme["id"],
            bob.id,
            ContactUpdate(job_title="CTO"),
            runtime.settings,
            ExpectedVersion(frozenset({1})),
        )
        await uow.commit()
    listed = (await customer_client.get(f"/v1/customers/{acme['id']}/contacts")).json()["items"]
    assert {c["name"]: (c["version"], c["is_primary"]) for c in listed} == {
        "Eve": (2, False),
        "Bob": (2, True),
    }


async def test_a_concurrent_writer_still_fails_the_update(customer_app: FastAPI) -> None:
    """The application sets the version, the UPDATE still checks the one it read."""
    runtime = customer_app.state.runtime
    async with runtime.unit_of_work() as uow:
        created = await customers.create_customer(
            uow, CustomerCreate(kind="individual", name="Ann"), runtime.settings, actor=None,
            strict=False, scope=EVERYTHING,
        )  # fmt: skip
        await uow.commit()
    async with runtime.unit_of_work() as uow:
        customer = await customers.load(uow, created.customer.id)
        # Another writer moves the row on after we read it.
        table = Customer.__table__
        await uow.session.execute(
            update(table).where(table.c.id == customer.id).values(version=customer.version + 1)
        )
        change_stage(uow, customer, LifecycleStage.PROSPECT, "x", None)
        with pytest.raises(StaleDataError):
            await uow.commit()
    # Nothing of the failed unit stays (the simulated writer shared its transaction).
    assert (await stored_version(customer_app, created.customer.id))[0] == 1
    assert [type(e) for e in await customer_events(customer_app)] == [CustomerCreated]


async def test_idempotency_keys_are_kept_and_forgotten_on_the_injected_clock(
    customer_app: FastAPI, customer_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    key = {"Idempotency-Key": "order-7"}
    body = {"kind": "individual", "name": "Ada"}
    first = await customer_client.post("/v1/customers", json=body, headers=key)
    retention = timedelta(hours=customer_app.state.runtime.settings.idempotency_retention_hours)
    clock.advance(retention - timedelta(seconds=1))
    async with customer_app.state.runtime.unit_of_work() as uow:
        await delete_expired_keys(uow, retention)
        await uow.commit()
    replayed = await customer_client.post("/v1/customers", json=body, headers=key)
    assert replayed.headers["Idempotency-Replayed"] == "true"
    assert replayed.json()["id"] == first.json()["id"]

    clock.advance(timedelta(seconds=2))
    async with customer_app.state.runtime.unit_of_work() as uow:
        await delete_expired_keys(uow, retention)
        await uow.commit()
    fresh = await customer_client.post("/v1/customers", json=body, headers=key)
    assert "Idempotency-Replayed" not in fresh.headers
    assert fresh.json()["id"] != first.json()["id"]

"""CSV import of a large file: duplicates inside the file and against existing customers,
bad lines reported by line number, one created event per created customer."""

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from crm_customer.customers.models import Customer, CustomerTag
from crm_customer.customers.repository import CustomerRepository
from crm_customer.lifecycle.models import LifecycleChange
from crm_customer.settings import CustomerSettings
from crm_shared.contracts.customer import CustomerCreated, CustomerUpdated
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from services.customer.tests.customer_api_helpers import create_customer, events_of

ROWS = 2_000


@pytest.fixture
def customer_settings(customer_database_url: str, tmp_path: Path) -> CustomerSettings:
    """An import costs its rows: these tests import a few files of ROWS in a row."""
    return CustomerSettings(
        database_url=customer_database_url, data_dir=tmp_path, rate_limit_per_minute=100 * ROWS
    )


COLUMNS = ["external_id", "name", "kind", "email", "phone", "city", "tags", "lifecycle_stage"]
BAD = {  # row index -> (cells that break it, the start of its error)
    100: ({"kind": "alien"}, "kind:"),
    200: ({"phone": "12"}, "phone:"),
    300: ({"name": ""}, "name: Field required"),
    1500: ({"email": "not-an-email"}, "email:"),
    1999: ({"kind": "robot"}, "kind:"),
}
OVERFLOWING = 400  # one cell too many
MULTI_LINE = 500  # a quoted name over two lines: every later row starts a line further down
BLANK_BEFORE = 1000  # a blank line before this row: two lines further down from here on


def row(i: int) -> dict[str, str]:
    return {
        "external_id": f"ERP-{i}",
        "name": f"Bulk {i}",
        "kind": "individual",
        "email": f"bulk.{i}@example.org",
        "phone": f"+1 212 200 {i:04d}",
        "city": f"City {i % 7}",
        "tags": f"t{i % 3}|all",
        "lifecycle_stage": "customer" if i % 2 else "",
    }


def bulk_rows() -> list[dict[str, str]]:
    rows = [row(i) for i in range(ROWS)]
    # Against customers that exist before the import:
    rows[10] = {"name": "Ann Lee", "email": "EXISTING@example.org", "city": "Berlin"}  # updated
    rows[11] = {"name": "Pat", "phone": "(415) 555-0100", "kind": "individual"}  # skipped
    rows[12] = {"external_id": "ERP-X1", "name": "Existing X Renamed"}  # updated
    # Against rows earlier in the same file:
    rows[600] = {"name": "Bulk 50", "email": "BULK.50@example.org", "city": "Elsewhere"}  # upd.
    rows[700] = {**row(60), "external_id": "", "email": "", "phone": "212-200-0060"}  # skipped
    rows[800] = row(70)  # the same row twice: skipped
    rows[900] = {"external_id": "ERP-80", "name": "Bulk 80 Renamed"}  # updated
    rows[MULTI_LINE]["name"] = "Bulk\n500"
    for i, (cells, _) in BAD.items():
        rows[i].update(cells)
    return rows


def bulk_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i, cells in enumerate(rows):
        if i == BLANK_BEFORE:
            out.write("\n")
        values = [cells.get(column, "") for column in COLUMNS]
        writer.writerow([*values, "extra"] if i == OVERFLOWING else values)
    return out.getvalue()


def line_of(i: int) -> int:
    """Where row ``i`` starts (the header is line 1)."""
    return i + 2 + (i > MULTI_LINE) + (i >= BLANK_BEFORE)


async def post_csv(client: httpx.AsyncClient, text: str) -> dict[str, Any]:
    response = await client.post(
        "/v1/customers/import",
        content=text.encode(),
        headers={"content-type": "text/csv", **as_subject("bulk-job")},
    )
    assert response.status_code == 200, response.text
    summary: dict[str, Any] = response.json()
    return summary


async def scalar(app: FastAPI, statement: Any) -> Any:
    async with app.state.runtime.session_factory() as session:
        return (await session.execute(statement)).scalar_one()


async def by_external_id(client: httpx.AsyncClient, external_id: str) -> dict[str, Any]:
    found = await client.get("/v1/customers", params={"external_id": external_id})
    (customer,) = found.json()["items"]
    return customer


async def test_a_large_file_with_duplicates_and_bad_lines(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    existing_email = await create_customer(
        customer_client, email="existing@example.org", geographic={"city": "Rome"}
    )
    await create_customer(customer_client, name="Pat", phone="+14155550100")
    existing_x = await create_customer(customer_client, name="Existing X", external_id="ERP-X1")
    text = bulk_csv(bulk_rows())

    summary = await post_csv(customer_client, text)

    bad_lines = sorted([*(line_of(i) for i in BAD), line_of(OVERFLOWING)])
    assert [error["line"] for error in summary["errors"]] == bad_lines  # in file order
    errors = {error["line"]: error["errors"] for error in summary["errors"]}
    for i, (_, start) in BAD.items():
        assert errors[line_of(i)][0].startswith(start), errors[line_of(i)]
    assert errors[line_of(OVERFLOWING)] == ["the row has more cells than the header has columns"]
    created = ROWS - len(bad_lines) - 4 - 3
    assert (summary["created"], summary["updated"], summary["skipped"]) == (created, 4, 3)

    customers = await scalar(customer_app, select(func.count()).select_from(Customer))
    assert customers == 3 + created
    # Exactly one created event per customer (3 before the import), with its first version.
    created_events = await events_of(customer_app, "created")
    assert all(isinstance(e, CustomerCreated) for e in created_events)
    per_customer = Counter(e.subject for e in created_events)
    assert len(per_customer) == customers
    assert set(per_customer.values()) == {1}
    assert {e.customer_version for e in created_events} == {1}
    updates = await events_of(customer_app, "updated")
    assert sorted(e.changed_fields for e in updates if isinstance(e, CustomerUpdated)) == [
        ["city", "email"],  # EXISTING@example.org: matched whatever the case, written as given
        ["city", "email"],  # BULK.50@example.org, the same
        ["name"],
        ["name"],
    ]
    history = select(func.count()).where(
        LifecycleChange.transition == "created", LifecycleChange.changed_by == "bulk-job"
    )
    assert await scalar(customer_app, history) == created
    tags = select(func.count()).where(CustomerTag.tag == "all")
    assert await scalar(customer_app, tags) == created

    # The rows as the file left them, row by row.
    ann = (await customer_client.get(f"/v1/customers/{existing_email['id']}")).json()
    assert (ann["email"], ann["geographic"]["city"], ann["version"]) == (
        "EXISTING@example.org",
        "Berlin",
        2,
    )
    x = (await customer_client.get(f"/v1/customers/{existing_x['id']}")).json()
    assert (x["name"], x["version"]) == ("Existing X Renamed", 2)
    fifty = await by_external_id(customer_client, "ERP-50")
    assert (fifty["geographic"]["city"], fifty["email"], fifty["version"]) == (
        "Elsewhere",
        "BULK.50@example.org",
        2,
    )
    assert (await by_external_id(customer_client, "ERP-80"))["name"] == "Bulk 80 Renamed"
    one = await by_external_id(customer_client, "ERP-1")
    assert (one["phone"], one["tags"], one["lifecycle_stage"], one["source"]) == (
        "+12122000001",
        ["all", "t1"],
        "customer",
        "import",
    )
    assert (await by_external_id(customer_client, f"ERP-{MULTI_LINE}"))["name"] == "Bulk\n500"
    # An in-file update follows the created event: version 1, then 2 with the new city.
    fifty_events = [
        e for e in [*created_events, *updates] if e.subject == fifty["id"]
    ]  # fmt: skip
    assert [(type(e).__name__, e.customer_version) for e in fifty_events] == [
        ("CustomerCreated", 1),
        ("CustomerUpdated", 2),
    ]

    # The same file again creates nobody. Rows that contradict a later row change the record
    # back and forth (ERP-50's city, ERP-80's name), as they did the first time.
    again = await post_csv(customer_client, text)
    assert (again["created"], again["updated"]) == (0, 4)
    assert again["skipped"] == ROWS - len(bad_lines) - 4
    assert again["errors"] == summary["errors"]
    assert len(await events_of(customer_app, "created")) == customers


async def test_rows_that_match_each_other_by_e_mail_or_phone_create_one_customer(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    text = (
        "name,kind,email,phone,city\n"
        "Ann,individual,ann@example.org,,Rome\n"
        "Ann,individual,ANN@example.org,+1 415 555 0132,\n"  # same e-mail: adds the phone
        "Ann,individual,,(415) 555-0132,Paris\n"  # same phone: moves her
        "Bob,individual,bob@example.org,,\n"
    )
    summary = await post_csv(customer_client, text)
    assert summary == {"created": 2, "updated": 2, "skipped": 0, "errors": []}
    ann = (await customer_client.get("/v1/customers", params={"name": "ann"})).json()["items"]
    assert [(c["phone"], c["geographic"]["city"], c["version"]) for c in ann] == [
        ("+14155550132", "Paris", 3)
    ]
    assert len(await events_of(customer_app, "created")) == 2


async def test_an_update_replaces_the_tags(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    ann = await create_customer(customer_client, email="ann@example.org", tags=["a", "b"])
    summary = await post_csv(customer_client, "name,email,tags\nAnn Lee,ann@example.org,B|c\n")
    assert (summary["updated"], summary["errors"]) == (1, [])
    now = (await customer_client.get(f"/v1/customers/{ann['id']}")).json()
    assert (now["tags"], now["version"]) == (["b", "c"], 2)
    rows = select(func.count()).where(CustomerTag.customer_id == ann["id"])
    assert await scalar(customer_app, rows) == 2


async def test_the_bulk_update_is_guarded_by_the_version_it_read(
    customer_client: httpx.AsyncClient, customer_app: FastAPI, customer_database_url: str
) -> None:
    """Someone else moves the version between the import's read and its write: the write
    fails, as the ORM's flush would. SQLite counts the rows an executemany updated; asyncpg
    does not, so on PostgreSQL the import reads the rows FOR UPDATE instead."""
    if not customer_database_url.startswith("sqlite"):
        pytest.skip("on PostgreSQL the import holds the rows FOR UPDATE")
    ann = await create_customer(customer_client)
    async with customer_app.state.runtime.unit_of_work() as uow:
        repository = CustomerRepository(uow.session)
        (customer,) = await repository.by_ids([ann["id"]], lock=True)
        repository.detach([customer])
        customer.touch(uow.clock.now())
        customer.city = "Paris"
        table = Customer.__table__
        await uow.session.execute(
            update(table).where(table.c.id == ann["id"]).values(version=table.c.version + 1)
        )
        with pytest.raises(StaleDataError):
            await repository.write_changes([customer])

"""The order history import (POST /v1/orders/import): good rows kept, bad rows reported
with their line, idempotent on re-import, set-based.

In two steps, so that a huge file neither holds one giant transaction nor loses rows:

1. :func:`plan_import` reads the whole file (a malformed one is refused whole, with its
   line: :mod:`crm_shared.csv_import`), checks every row (``rules.read_row``), resolves
   the customers in bulk (one query per 5,000 ids or external ids, merges followed to the
   survivor), and drops the rows imported already (their external id or natural key in the
   database, or earlier in the file): reads only.
2. :func:`write_chunk`, once per chunk of ``order_import_chunk_rows`` rows, each in its own
   transaction (the caller commits after each): order numbers reserved in one statement,
   orders, lines and payments in multi-row INSERTs, one ``OrderPlaced`` per order in the
   outbox. A crash loses at most the chunk being written; importing the file again skips
   what was committed and writes the rest.

Rows of a customer the caller does not reach (record-level access, by the customer's owner
in the view) are reported as unknown customers, as a GET would answer. An imported order
belongs to its customer's owner.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeAlias

from crm_shared.auth.access import RecordScope
from crm_shared.contracts.sales import LineSnapshot, OrderPlaced, OrderSnapshot, PaymentState
from crm_shared.csv_import import read_rows
from crm_shared.db import UnitOfWork
from crm_shared.db.audit import creation_changes

from crm_sales import csv_imports
from crm_sales.db import FIRST_VERSION
from crm_sales.order_imports.repository import OrderImportRepository, Row
from crm_sales.order_imports.rules import LAYOUT, Defaults, OrderRow, read_row
from crm_sales.orders import rules
from crm_sales.orders.models import Order
from crm_sales.settings import SalesSettings

IMPORT_METHOD = "import"


@dataclass(frozen=True)
class Customer:
    id: str
    owner: str | None


# The rows to write, each with its customer.
ImportPlan: TypeAlias = csv_imports.ImportPlan[tuple[OrderRow, Customer]]


async def plan_import(
    uow: UnitOfWork,
    content: bytes,
    settings: SalesSettings,
    scope: RecordScope,
    charge_rows: Callable[[int], None] = lambda rows: None,
) -> ImportPlan:
    """Step 1 (reads only). ``charge_rows`` is told the row count before anything else: the
    caller's bulk-rows limit counts an import by its rows, and may refuse it (by raising)."""
    csv_rows = read_rows(content, settings.order_import_max_cell_chars, LAYOUT)
    charge_rows(len(csv_rows))
    plan = ImportPlan()
    defaults = Defaults(settings.default_currency, settings.payment_terms_days, uow.clock.now())
    rows = await csv_imports.read_each(
        csv_rows, lambda csv_row: read_row(csv_row.line, csv_row.cells, defaults), plan
    )
    repository = OrderImportRepository(uow.session)
    customers = await _customers(repository, rows, scope)
    external_ids, natural_keys = await repository.imported_already(
        {row.external_id for row in rows if row.external_id},
        {row.natural_key for row in rows if row.natural_key},
    )
    seen = {f"x:{key}" for key in external_ids} | {f"k:{key}" for key in natural_keys}
    for row in rows:
        customer = customers.get(row.customer_ref)
        if isinstance(customer, str):
            plan.refuse(row.line, [customer])
        elif row.identity in seen:
            plan.skipped += 1
        else:
            seen.add(row.identity)
            assert customer is not None
            plan.ready.append((row, customer))
    return plan


async def write_chunk(
    uow: UnitOfWork, chunk: list[tuple[OrderRow, Customer]], plan: ImportPlan
) -> None:
    """Step 2, for one chunk (the caller commits it)."""
    repository = OrderImportRepository(uow.session)
    now = uow.clock.now()
    first = await repository.reserve_order_numbers(len(chunk))
    built = [
        _order_values(row, customer, first + i, now) for i, (row, customer) in enumerate(chunk)
    ]
    inserted = await repository.insert_orders([order for order, _, _ in built])
    plan.imported += len(inserted)
    plan.skipped += len(built) - len(inserted)  # written meanwhile by another import
    new = [values for values in built if values[0]["id"] in inserted]
    await repository.insert_children(
        [line for _, line, _ in new], [payment for _, _, payment in new if payment is not None]
    )
    today = now.date()
    for order, line, _ in new:
        uow.audit.note("order", order["id"], "imported", creation_changes(Order, order))
        snapshot = _snapshot(order, line, today)
        uow.record(
            OrderPlaced(record_id=order["id"], customer_id=order["customer_id"], order=snapshot)
        )


async def _customers(
    repository: OrderImportRepository, rows: list[OrderRow], scope: RecordScope
) -> dict[tuple[str, str], Customer | str]:
    """Each customer reference of the file: the customer (a merged alias's survivor), or
    why it cannot be imported to."""
    by_id = await repository.customers_by_id({ref for kind, ref in _refs(rows) if kind == "id"})
    by_external = await repository.active_by_external_id(
        {ref for kind, ref in _refs(rows) if kind == "external_id"}
    )
    teams: dict[str, str | None] = {}
    if not scope.everything:
        owners = {row["owner"] for row in (*by_id.values(), *by_external.values()) if row["owner"]}
        teams = await repository.teams_of(owners)
    resolved: dict[tuple[str, str], Customer | str] = {}
    for kind, ref in _refs(rows):
        row = by_id.get(ref) if kind == "id" else by_external.get(ref)
        hops = 0
        while row is not None and row["status"] == "merged" and hops < 16:
            row, hops = by_id.get(row["merged_into"] or ""), hops + 1
        column = "customer_id" if kind == "id" else "customer_external_id"
        unknown = f"{column}: no customer {ref} is known to sales"
        if row is None or row["status"] == "merged":
            resolved[(kind, ref)] = unknown
        elif row["status"] == "erased":
            resolved[(kind, ref)] = f"{column}: customer {ref} was erased"
        elif not scope.reaches(row["owner"], teams.get(row["owner"] or "")):
            resolved[(kind, ref)] = unknown  # as for a customer that does not exist
        else:
            resolved[(kind, ref)] = Customer(row["id"], row["owner"])
    return resolved


def _refs(rows: list[OrderRow]) -> set[tuple[str, str]]:
    return {row.customer_ref for row in rows}


def _order_values(
    row: OrderRow, customer: Customer, number: int, now: datetime
) -> tuple[Row, Row, Row | None]:
    """The order's, its line's and its payment's column values."""
    order_id = str(uuid.uuid4())
    paid_on = row.paid_at.date() if row.paid_at and row.paid_amount >= row.amount else None
    state = rules.settled_state(row.amount, row.paid_amount, Decimal(0)).value
    order: Row = {
        "id": order_id,
        "number": rules.order_number(number),
        "customer_id": customer.id,
        "external_id": row.external_id,
        "import_key": row.natural_key,
        "quote_id": None,
        "opportunity_id": None,
        "source": "import",
        "status": "placed",
        "owner": customer.owner,
        "ordered_at": row.ordered_at,
        "currency": row.currency,
        "total": row.amount,
        "payment_terms_days": row.payment_terms_days,
        "due_date": row.due_date,
        "paid_amount": row.paid_amount,
        "written_off_amount": Decimal(0),
        "paid_on": paid_on,
        "payment_state": state,
        "write_off_reason": None,
        "cancel_reason": None,
        "cancelled_at": None,
        "created_at": now,
        "version": FIRST_VERSION,
        "updated_at": now,
    }
    # The line's amount is the order's amount as imported; its unit price is derived.
    line: Row = {
        "order_id": order_id,
        "position": 1,
        "product": row.product,
        "quantity": row.quantity,
        "unit_price": rules.to_cents(row.amount / row.quantity),
        "discount": Decimal(0),
        "amount": row.amount,
    }
    payment: Row | None = None
    if row.paid_amount > 0 and row.paid_at is not None:
        payment = {
            "id": str(uuid.uuid4()),
            "order_id": order_id,
            "amount": row.paid_amount,
            "paid_at": row.paid_at,
            "method": IMPORT_METHOD,
            "reference": None,
            "prepayment": rules.is_prepayment(row.paid_at, row.ordered_at),
            "late": rules.is_late(row.paid_at, row.due_date),
            "recorded_by": None,
            "recorded_at": now,
        }
    return order, line, payment


def _snapshot(order: Row, line: Row, today: Any) -> OrderSnapshot:
    state = rules.current_state(order["payment_state"], order["due_date"], today)
    return OrderSnapshot(
        id=order["id"],
        customer_id=order["customer_id"],
        number=order["number"],
        external_id=order["external_id"],
        source="import",
        ordered_at=order["ordered_at"],
        currency=order["currency"],
        total=order["total"],
        lines=[LineSnapshot.model_validate(line)],  # the row's other columns are ignored
        payment_terms_days=order["payment_terms_days"],
        due_date=order["due_date"],
        paid_amount=order["paid_amount"],
        paid_on=order["paid_on"],
        payment_state=PaymentState(state),
        owner=order["owner"],
        version=order["version"],
    )

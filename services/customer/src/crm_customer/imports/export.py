"""CSV export: the search's filters, streamed page by page (keyset), each page read in a
short transaction of its own so that a long download holds no lock."""

from collections.abc import AsyncIterator, Callable

from crm_shared.auth.access import RecordScope
from crm_shared.csv_export import csv_line
from crm_shared.db import UnitOfWork
from crm_shared.masking import mask_fields

from crm_customer.customers.mapping import PERSONAL_COLUMNS
from crm_customer.customers.models import Customer
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.search import CustomerFilter, Position, sort_key
from crm_customer.imports.columns import EXPORT_COLUMNS, cell, export_values


async def export_lines(
    unit_of_work: Callable[[], UnitOfWork],
    filters: CustomerFilter,
    phone: str | None,
    batch_size: int,
    scope: RecordScope,
    personal_data: bool,
    rows_sent: Callable[[int], None] = lambda rows: None,
) -> AsyncIterator[str]:
    """The customers within ``scope``; without ``personal_data`` their personal columns
    masked as in every other answer. ``rows_sent`` is told each batch's rows once read: the
    caller's rate limit counts an export by the rows it returns (owed after the fact: a
    started download is not cut)."""

    def line(customer: Customer) -> str:
        values = export_values(customer)
        if not personal_data:
            values = mask_fields(values, PERSONAL_COLUMNS)
        return csv_line([cell(values[column]) for column in EXPORT_COLUMNS])

    yield csv_line(EXPORT_COLUMNS)
    after: Position | None = None
    while True:
        async with unit_of_work() as uow:
            batch: list[Customer] = await CustomerRepository(uow.session).search(
                filters, phone, after, batch_size, scope
            )
            lines = "".join(line(customer) for customer in batch)
            if batch:  # read before the unit of work ends (its rollback expires the rows)
                after = Position(sort_key(batch[-1], filters.sort), batch[-1].id)
        rows_sent(len(batch))
        if lines:
            yield lines
        if len(batch) < batch_size:
            return

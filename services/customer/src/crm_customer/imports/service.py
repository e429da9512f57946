"""CSV import: row by row, good rows kept, bad rows reported with their line.

A row is matched to an existing customer, in this order, by ``id``, by ``external_id``,
by normalised e-mail, by phone in E.164 (a match on a merged alias goes to its survivor).
- matched: the row's non-empty cells update the record (empty cells never clear a value;
  ``lifecycle_stage`` is ignored, stages move only by their transitions); a row that would
  change nothing counts as skipped — so importing the same file twice changes nothing;
- not matched: a new customer (source ``import`` unless the row says otherwise).
Each row runs in its own savepoint, so a failing row leaves nothing behind.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Literal

from crm_shared.contracts.customer import CustomerStatus
from crm_shared.db import UnitOfWork
from crm_shared.errors import DomainError, InvalidError
from pydantic import ValidationError

from crm_customer.customers.models import Customer
from crm_customer.customers.normalize import (
    InvalidPhoneNumberError,
    normalize_email,
    normalize_phone,
)
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.schemas import CustomerCreate, CustomerUpdate
from crm_customer.customers.service import create_customer, update_customer
from crm_customer.imports.columns import nest, unknown_columns
from crm_customer.imports.schemas import ImportSummary, RowError
from crm_customer.settings import CustomerSettings

Outcome = Literal["created", "updated", "skipped"]


class RowRefusedError(Exception):
    def __init__(self, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


@dataclass
class Tally:
    counts: dict[Outcome, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "skipped": 0}
    )
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> ImportSummary:
        return ImportSummary(**self.counts, errors=self.errors)


def file_error(detail: str) -> InvalidError:
    return InvalidError(detail, code="invalid-csv")


@dataclass(frozen=True)
class CsvRow:
    line: int  # where the row starts; the header is line 1
    cells: dict[str, str]
    overflowing: bool  # more cells than the header has columns


def read_rows(content: bytes) -> list[CsvRow]:
    """Every non-blank row after the header, which must name known columns."""
    try:
        text = content.decode("utf-8-sig")  # spreadsheets often start with a BOM
    except UnicodeDecodeError as error:
        raise file_error(f"the file is not UTF-8 text: {error}") from error
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=_delimiter(text))
    header = [column.strip() for column in next(reader, [])]
    if "name" not in header:
        raise file_error("the first line must be a header naming the columns, including name")
    if unknown := unknown_columns(header):
        raise file_error(f"unknown columns: {', '.join(unknown)}")
    rows, line = [], reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            named = dict(zip(header, cells, strict=False))
            rows.append(CsvRow(start, named, overflowing=len(cells) > len(header)))
    return rows


def _delimiter(text: str) -> str:
    """Comma, or the semicolon / tab a spreadsheet wrote, whichever the header uses most."""
    header = text.split("\n", 1)[0]
    return max(",;\t", key=header.count)


async def import_customers(
    uow: UnitOfWork, content: bytes, settings: CustomerSettings, actor: str | None
) -> ImportSummary:
    tally = Tally()
    for row in read_rows(content):
        try:
            async with uow.session.begin_nested():
                outcome = await _import_row(uow, row, settings, actor)
            tally.counts[outcome] += 1
        except (RowRefusedError, DomainError) as refused:
            errors = refused.errors if isinstance(refused, RowRefusedError) else [refused.message]
            tally.errors.append(RowError(line=row.line, errors=errors))
            # The savepoint undid the row in the database; forget its objects too.
            uow.session.expunge_all()
    return tally.summary()


async def _import_row(
    uow: UnitOfWork, row: CsvRow, settings: CustomerSettings, actor: str | None
) -> Outcome:
    if row.overflowing:
        raise RowRefusedError("the row has more cells than the header has columns")
    cells = {column: cell.strip() for column, cell in row.cells.items() if cell.strip()}
    phone = _phone(cells.get("phone"), settings)
    existing = await _match(uow, cells, phone)
    if existing is None:
        body = _validated(CustomerCreate, {"source": "import", **nest(cells)})
        await create_customer(uow, body, settings, actor=actor, strict=False)
        return "created"
    cells.pop("lifecycle_stage", None)
    update = _validated(CustomerUpdate, nest(cells))
    changed = await update_customer(uow, existing, update, settings)
    return "updated" if changed else "skipped"


async def _match(uow: UnitOfWork, cells: dict[str, str], phone: str | None) -> Customer | None:
    repository = CustomerRepository(uow.session)
    found: Customer | None = None
    if "id" in cells:
        found = await repository.get(cells["id"])
        if found is None:
            raise RowRefusedError(
                f"id: no customer {cells['id']} exists (leave id empty to create)"
            )
    elif "external_id" in cells:
        found = await repository.by_external_id(cells["external_id"])
    if found is None:
        email = normalize_email(cells.get("email"))
        for key in ({"email_normalized": email}, {"phone": phone}):
            if any(key.values()):
                matches = await repository.find_matches(
                    email_normalized=key.get("email_normalized"),
                    phone=key.get("phone"),
                    name_key=None,
                )
                if matches:
                    found = matches[0]
                    break
    if found is not None and found.status == CustomerStatus.MERGED and found.merged_into:
        found = await repository.get(found.merged_into)
    if found is not None and found.status == CustomerStatus.ERASED:
        raise RowRefusedError(f"customer {found.id} was erased and cannot be imported into")
    return found


def _phone(text: str | None, settings: CustomerSettings) -> str | None:
    try:
        return normalize_phone(text, settings.default_phone_region)
    except InvalidPhoneNumberError as error:
        raise RowRefusedError(f"phone: {error}") from error


def _validated(model: type[Any], body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise RowRefusedError(
            *(f"{_column(e['loc'])}: {e['msg']}" for e in error.errors())
        ) from error


def _column(location: tuple[int | str, ...]) -> str:
    # A grouped field is reported by its CSV column: ("geographic", "city") -> "city".
    names = [str(part) for part in location if isinstance(part, str)]
    return names[-1] if names else "row"

"""One row of a lead file, read and checked without the database.

Columns: ``name`` (required), and optionally ``company``, ``email``, ``phone``, ``source``,
``campaign_id``, ``owner``, ``industry``, ``region``, ``role``, ``company_size`` and
``external_id`` (the lead's id in the system the file comes from). A cell is checked by the
very rules of POST /v1/leads (its body, :class:`crm_sales.leads.schemas.LeadCreate`), and
the phone must be a number of its country's plan, as there.

An empty ``owner`` cell is no owner named: the allocation rules route the lead, as a POST
without ``owner`` does (a file cannot say "leave it in the pool" apart from "route it").

Identity for a re-import and for duplicates: the ``external_id`` first; then the normalised
e-mail and phone (:mod:`crm_shared.contact_keys`), compared with the open leads and with the
rows before in the file (:func:`duplicate_of`).
"""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from crm_shared.contact_keys import InvalidPhoneNumberError, normalize_email, normalize_phone
from crm_shared.csv_import import CsvLayout
from pydantic import ValidationError

from crm_sales.csv_imports import RowRefusedError
from crm_sales.leads.creation import DATA_FIELDS, LeadDraft
from crm_sales.leads.schemas import LeadCreate

__all__ = ["LAYOUT", "LeadRow", "RowRefusedError", "duplicate_of", "read_row"]

COLUMNS = (
    "name", "company", "email", "phone", "source", "campaign_id", "owner", "industry",
    "region", "role", "company_size", "external_id",
)  # fmt: skip
LAYOUT = CsvLayout(
    columns=frozenset(COLUMNS),
    required=(("name",),),
    cell_limit_setting="lead_import_max_cell_chars",
)


@dataclass(frozen=True)
class LeadRow:
    """A row as read: the lead it asks for, and where it is in the file."""

    line: int
    draft: LeadDraft

    @property
    def owner(self) -> str | None:
        """The owner the row names (None: routed)."""
        owner = self.draft.values.get("owner")
        return str(owner) if owner is not None else None

    @property
    def external_id(self) -> str | None:
        value = self.draft.values.get("external_id")
        return str(value) if value is not None else None


def read_row(line: int, cells: dict[str, str], phone_region: str) -> LeadRow:
    """The row's lead, or ``RowRefusedError`` with every reason (``column: why``)."""
    given = {column: cell.strip() for column, cell in cells.items() if cell and cell.strip()}
    if "name" not in given:
        errors = ["name: required"]
        try:
            LeadCreate.model_validate({"name": "-", **given})
        except ValidationError as error:
            errors += _reasons(error)
        raise RowRefusedError(errors)
    try:
        body = LeadCreate.model_validate(given)
    except ValidationError as error:
        raise RowRefusedError(_reasons(error)) from error
    try:
        phone_key = normalize_phone(body.phone, phone_region)
    except InvalidPhoneNumberError as error:
        raise RowRefusedError([f"phone: {error}"]) from error
    draft = LeadDraft(
        values={name: getattr(body, name) for name in DATA_FIELDS},
        email_key=normalize_email(body.email),
        phone_key=phone_key,
        routed=body.owner is None,
    )
    return LeadRow(line, draft)


def duplicate_of(
    row: LeadRow, external_ids: Collection[str], emails: Collection[str], phones: Collection[str]
) -> str | None:
    """Why the row is a lead there is already (None: it is new): its external id is taken,
    or its e-mail or phone is an open lead's (or an earlier row's)."""
    if row.external_id is not None and row.external_id in external_ids:
        return "external_id"
    draft = row.draft
    if draft.email_key is not None and draft.email_key in emails:
        return "email"
    if draft.phone_key is not None and draft.phone_key in phones:
        return "phone"
    return None


def _reasons(error: ValidationError) -> list[str]:
    """The validation errors as ``column: why``, once each."""
    reasons: list[str] = []
    for problem in error.errors(include_url=False):
        column = ".".join(str(part) for part in problem["loc"]) or "row"
        reason = f"{column}: {_message(problem)}"
        if reason not in reasons:
            reasons.append(reason)
    return reasons


def _message(problem: Any) -> str:
    message = str(problem["msg"])
    return message.removeprefix("Value error, ")

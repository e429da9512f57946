"""The CSV layout shared by import and export: one row per customer, one column per field.

Profile groups are flattened (``city``, not ``geographic.city``); lists (tags and the
tag-like profile fields) are joined with ``|``. An exported file can be imported again:
the ``id`` column matches the existing records, and read-only columns are ignored.
"""

from collections.abc import Iterable
from typing import Any

from crm_shared.contracts.customer import ConsentChannel

from crm_customer.customers.mapping import consent_of
from crm_customer.customers.models import Customer
from crm_customer.customers.schemas import GROUPS, LIST_FIELDS

LIST_SEPARATOR = "|"

GROUP_OF = {field: group for group, model in GROUPS.items() for field in model.model_fields}
TOP_LEVEL = (
    "id", "external_id", "kind", "status", "name", "company", "email", "phone", "owner",
    "source", "tags", "lifecycle_stage", "relationship_phase",
)  # fmt: skip
CONSENT_COLUMNS = tuple(f"consent_{channel}" for channel in ConsentChannel)
TRAILING = (
    "credit_grade", "operating_grade", *CONSENT_COLUMNS, "merged_into", "version",
    "created_at", "updated_at",
)  # fmt: skip
EXPORT_COLUMNS: tuple[str, ...] = (*TOP_LEVEL, *GROUP_OF, *TRAILING)

# Columns an import reads; ``id`` only to find the record. The others are the record's own.
READ_ONLY_COLUMNS = frozenset({"status", *TRAILING})
WRITABLE_COLUMNS = frozenset(EXPORT_COLUMNS) - READ_ONLY_COLUMNS - {"id"}


def unknown_columns(header: Iterable[str]) -> list[str]:
    return [column for column in header if column not in EXPORT_COLUMNS]


def nest(cells: dict[str, str]) -> dict[str, Any]:
    """Writable cells as a request body: grouped fields under their group, lists split."""
    body: dict[str, Any] = {}
    for column, text in cells.items():
        if column not in WRITABLE_COLUMNS:
            continue
        value: Any = text
        if column in LIST_FIELDS:
            value = [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
        group = GROUP_OF.get(column)
        if group is None:
            body[column] = value
        else:
            body.setdefault(group, {})[column] = value
    return body


def export_values(customer: Customer) -> dict[str, Any]:
    """``{column: value}`` of one exported row (:func:`cell` writes each value)."""
    consent = consent_of(customer)
    values: dict[str, Any] = {column: getattr(customer, column, None) for column in EXPORT_COLUMNS}
    values["tags"] = customer.tags
    for channel in ConsentChannel:
        values[f"consent_{channel}"] = consent.get(channel)
    return values


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)

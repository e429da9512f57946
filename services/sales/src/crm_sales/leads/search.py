"""Filters and sort orders of the lead list, and the keyset position a page ends at (the HTTP
edge turns it into an opaque cursor and back)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from crm_shared.contracts.sales import LeadStatus
from crm_shared.cursors import InvalidCursorError
from pydantic import BaseModel, Field

from crm_sales.leads.models import Lead


class LeadSort(StrEnum):
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    SCORE = "score"
    SCORE_DESC = "-score"


class LeadFilter(BaseModel):
    status: list[LeadStatus] = Field(default_factory=list, description="repeat for several")
    owner: str | None = Field(None, max_length=100)
    source: str | None = Field(None, max_length=32, description="any case")
    customer_id: str | None = Field(None, max_length=36)
    min_score: int | None = Field(None, ge=0, le=100)
    sort: LeadSort = Field(LeadSort.CREATED_AT, description="score or created_at; - descending")


def sort_column(sort: LeadSort) -> str:
    return sort.value.lstrip("-")


class Position:
    """Where a page ends: the sort key and id of its last row."""

    def __init__(self, key: Any, id_: str) -> None:
        self.key = key
        self.id = id_


def position_after(lead: Lead, sort: LeadSort) -> Position:
    return Position(getattr(lead, sort_column(sort)), lead.id)


def cursor_values(position: Position, sort: LeadSort) -> dict[str, Any]:
    key = position.key.isoformat() if isinstance(position.key, datetime) else position.key
    return {"sort": sort.value, "key": key, "id": position.id}


def position_from(values: dict[str, Any] | None, sort: LeadSort) -> Position | None:
    if values is None:
        return None
    if values.get("sort") != sort.value or not isinstance(values.get("id"), str):
        raise InvalidCursorError(
            "the cursor belongs to another sort order; start again without a cursor"
        )
    key = values.get("key")
    try:
        if sort_column(sort) == "created_at":
            key = datetime.fromisoformat(str(key))
        elif not isinstance(key, int):
            raise ValueError(key)
    except ValueError as error:
        raise InvalidCursorError("the cursor is not one this API issued") from error
    return Position(key, values["id"])

"""Cursor pagination: an opaque cursor holds the sort key of the last item returned."""

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from crm_shared.api.problems import TYPE_BASE, Problem

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
    limit: int


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise _invalid_cursor() from error
    if not isinstance(values, dict):
        raise _invalid_cursor()
    return values


def _invalid_cursor() -> Problem:
    return Problem(400, "the cursor is not one this API issued", type_=TYPE_BASE + "invalid-cursor")

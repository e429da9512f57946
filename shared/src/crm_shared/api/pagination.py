"""Cursor pagination: an opaque cursor holds the sort key of the last item returned."""

from typing import Generic, TypeVar

from pydantic import BaseModel

from crm_shared.cursors import InvalidCursorError, decode_cursor, encode_cursor

__all__ = ["InvalidCursorError", "Page", "decode_cursor", "encode_cursor"]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
    limit: int

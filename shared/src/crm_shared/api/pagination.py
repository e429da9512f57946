"""Cursor pagination: an opaque cursor holds the sort key of the last item returned.

Every list answers the same :class:`Page`: ``items``, ``next_cursor`` (send it back as
``?cursor=`` for the next page; ``null`` on the last one; an empty ``cursor`` is the first
page), ``limit`` (the page size used, capped by ``CRM_PAGE_SIZE_MAX``) and ``total`` (counted
only when asked with ``?total=true``, else ``null``).
"""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from crm_shared.cursors import InvalidCursorError, Slice, decode_cursor, encode_cursor

__all__ = ["InvalidCursorError", "Page", "decode_cursor", "encode_cursor", "page_of"]

T = TypeVar("T")
S = TypeVar("S")

# The contract of ``updated_since`` on the lists that take it, for their descriptions.
SYNC_CONTRACT = """Incremental sync: list with `updated_since=T` (items are then in
(updated_at, id) order, oldest change first) and follow `next_cursor` to the last page; a
record changed meanwhile moves to the end of the walk, so it is not lost. Next time, ask
with `updated_since` = the greatest `updated_at` you received minus a safety margin (a
change is stamped when it is made and seen when it commits; a minute covers any write), and
keep, per id, the item with the highest version: items at or after the instant come again.
Ask for every status to see records merged or erased."""


class Page(BaseModel, Generic[T]):
    """One page of a list: follow ``next_cursor`` until it is null."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Send as `cursor` for the next page; null on the last page"
    )
    limit: int = Field(description="The page size used (the limit asked for, capped)")
    total: int | None = Field(
        None,
        description="How many items match across every page: counted only when asked with "
        "`total=true`, else null",
    )


def page_of(found: Slice[S], limit: int, convert: Callable[[S], T]) -> Page[T]:
    """A use case's :class:`~crm_shared.cursors.Slice` as the answer, each row converted."""
    items = [convert(row) for row in found.items]
    page: Page[T] = Page[Any](
        items=items, next_cursor=found.next_cursor, limit=limit, total=found.total
    )
    return page

"""Opaque cursors: the sort key of the last item of a page, base64url JSON.

No HTTP here: a forged cursor is an :class:`InvalidCursorError` (a domain error the edge
answers with a 400 problem, ``…/problems/invalid-cursor``), so services may decode positions.
An absent or empty cursor (``?cursor=``) asks for the first page.
"""

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from crm_shared.errors import DomainError

T = TypeVar("T")


class InvalidCursorError(DomainError):
    default_code = "invalid-cursor"  # 400: the client sent something we never issued

    def __init__(self, message: str = "the cursor is not one this API issued") -> None:
        super().__init__(message)


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """What a cursor holds; ``None`` for the first page (no cursor, or an empty one)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidCursorError() from error
    if not isinstance(values, dict):
        raise InvalidCursorError()
    return values


# -- keyset positions: the sort key of a page's last row, typed --------------------------------


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(value)
    return value


def instant(value: Any) -> datetime:
    moment = datetime.fromisoformat(text(value))
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment


def day(value: Any) -> date:
    return date.fromisoformat(text(value))


def position_of(
    cursor: str | None, fields: Sequence[tuple[str, Callable[[Any], Any]]]
) -> tuple[Any, ...] | None:
    """The sort key a cursor holds, as ``fields`` (name, parser) read it; ``None`` for the
    first page. A cursor of another list, or a forged one, is an InvalidCursorError."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    try:
        return tuple(parse(values[name]) for name, parse in fields)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidCursorError() from error


def cursor_at(values: Sequence[Any], fields: Sequence[tuple[str, Callable[[Any], Any]]]) -> str:
    """The cursor of a position (dates and datetimes as ISO 8601)."""
    return encode_cursor(
        {
            name: value.isoformat() if isinstance(value, date) else value
            for (name, _), value in zip(fields, values, strict=True)
        }
    )


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of a list as a use case returns it; the edge makes it a ``Page``."""

    items: list[T]
    next_cursor: str | None  # None on the last page
    total: int | None = None  # every match, when the caller asked for the count


def slice_of(
    rows: Sequence[T],
    limit: int,
    key: Callable[[T], Sequence[Any]],
    fields: Sequence[tuple[str, Callable[[Any], Any]]],
    total: int | None = None,
) -> Slice[T]:
    """The first ``limit`` of ``rows`` (read with one more, which says whether another page
    follows) and the cursor after the last of them."""
    page = list(rows[:limit])
    following = cursor_at(key(page[-1]), fields) if len(rows) > limit and page else None
    return Slice(page, following, total)

"""Opaque cursors: the sort key of the last item of a page, base64url JSON.

No HTTP here: a forged cursor is an :class:`InvalidCursorError` (a domain error the edge
answers with a 400 problem, ``…/problems/invalid-cursor``), so services may decode positions.
"""

import base64
import json
from typing import Any

from crm_shared.errors import DomainError


class InvalidCursorError(DomainError):
    default_code = "invalid-cursor"  # 400: the client sent something we never issued

    def __init__(self, message: str = "the cursor is not one this API issued") -> None:
        super().__init__(message)


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
        raise InvalidCursorError() from error
    if not isinstance(values, dict):
        raise InvalidCursorError()
    return values

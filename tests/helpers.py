"""Helpers for tests that wait on something asynchronous (a broker, a consumer, a process).

Use :func:`wait_for` instead of ``asyncio.sleep``: it returns as soon as the condition holds
and fails with a message that says what never happened.
"""

import asyncio
import inspect
from collections.abc import Callable
from typing import Any


async def wait_for(
    predicate: Callable[[], Any],  # returns a value, or an awaitable of one
    timeout: float = 10.0,  # noqa: ASYNC109 (this helper *is* the time-out mechanism)
    interval: float = 0.05,
    *,
    message: str | None = None,
    ignore: tuple[type[Exception], ...] = (),
) -> Any:
    """Call ``predicate`` (sync or async) until it returns something truthy; return that.

    ``ignore``: exception types that mean "not yet" (e.g. ``ConnectionError`` while a server
    starts); any other exception propagates at once. On the deadline, raises AssertionError
    naming the condition (``message`` or the predicate's name) and its last result.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: object = None
    while True:
        try:
            value = predicate()
            result: object = await value if inspect.isawaitable(value) else value
            last = result
            if result:
                return result
        except ignore as exc:
            last = exc
        if loop.time() >= deadline:
            what = message or getattr(predicate, "__qualname__", repr(predicate))
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}; last: {last!r}")
        await asyncio.sleep(interval)

"""Reads that several pages share: a read a page can do without, and the names of the
customers its rows name (the services have no batch read of customers, so one read each, all
at once)."""

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

from fastapi.responses import Response

from crm_console.upstream import Upstream, UpstreamError

T = TypeVar("T")


async def optional(call: Awaitable[T]) -> T | None:
    """A secondary read that may fail without failing the page (it shows as missing); an
    ended session (401) is raised, so the person signs in again."""
    try:
        return await call
    except UpstreamError as error:
        if error.status == 401:
            raise
        return None


async def customer_names(
    upstream: Upstream, ids: Iterable[str], *, service: str = "customer", at_most: int = 100
) -> dict[str, str]:
    """Customer id -> name (a company's name where it has no other) for at most ``at_most``
    distinct ids, read from ``service``'s customers (its own view, which the person may
    read); a customer they may not read, or that is gone, has no name in the answer."""
    unique = list(dict.fromkeys(ids))[:at_most]

    async def name_of(customer_id: str) -> str | None:
        body: dict[str, Any] | None = await optional(
            upstream.get(service, f"/v1/customers/{customer_id}")
        )
        return (body or {}).get("name") or (body or {}).get("company") or None

    names = await asyncio.gather(*(name_of(customer_id) for customer_id in unique))
    return {key: name for key, name in zip(unique, names, strict=True) if name}


async def csv_download(
    upstream: Upstream, service: str, path: str, filename: str, params: dict[str, Any] | None = None
) -> Response:
    """A service's own CSV, passed through with the person's token as a download. The
    person's own figures: no shared cache keeps them."""
    answer = await upstream.request(
        "GET", service, path, params=params, headers={"Accept": "text/csv"}
    )
    return Response(
        answer.content,
        media_type=answer.headers.get("content-type", "text/csv; charset=utf-8"),
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )

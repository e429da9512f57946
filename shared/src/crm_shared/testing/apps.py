"""Talk to a service's app in-process, over HTTP without a socket."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def app_client(
    app: FastAPI, base_url: str = "http://test"
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose requests go straight to ``app`` (``httpx.ASGITransport``). It
    does not run the app's lifespan: do that around it with ``app.router.lifespan_context``."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=base_url
    ) as client:
        yield client

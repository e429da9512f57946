"""Talk to a service's app in-process, over HTTP without a socket."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from crm_shared.api.auth import install_token_verifier
from crm_shared.testing.auth import bearer, token_for, trusting_verifier


@asynccontextmanager
async def app_client(
    app: FastAPI,
    base_url: str = "http://test",
    *,
    role: str | None = "admin",
    test_tokens: bool = True,
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose requests go straight to ``app`` (``httpx.ASGITransport``). It
    does not run the app's lifespan: do that around it with ``app.router.lifespan_context``.

    With ``test_tokens`` (the default) the app trusts the test issuer
    (:mod:`crm_shared.testing.auth`) and the client sends a token of ``role`` (none when
    ``role`` is None); the identity service's own tests pass ``test_tokens=False`` and use
    the tokens it issues."""
    headers = {}
    if test_tokens:
        install_token_verifier(app, trusting_verifier())
        if role is not None:
            headers = bearer(token_for(role))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=base_url, headers=headers
    ) as client:
        yield client

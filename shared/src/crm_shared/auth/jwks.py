"""The issuer's signing keys, fetched from its JWKS URL and cached, so a service verifies
tokens without a call to the identity service per request. A ``file://`` URL reads a key
set from disk (an air-gapped deployment, the benchmarks).

The keys are kept for ``cache_seconds``; a token naming a key the cache does not have makes
one early refresh (at most every ``min_refresh_seconds``), so a rotation is seen at once and a
flood of forged ``kid`` values cannot turn into a flood of fetches.
"""

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import httpx

from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.errors import DomainError


class KeysUnavailable(DomainError):
    """The issuer's keys could not be fetched: tokens cannot be checked now (503)."""

    status: ClassVar[int] = 503
    default_code: ClassVar[str] = "keys-unavailable"


class RemoteJwks:
    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float = 300.0,
        min_refresh_seconds: float = 10.0,
        clock: Clock = SYSTEM_CLOCK,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.cache_seconds = cache_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self._clock = clock
        self._transport = transport
        self._keys: Mapping[str, Any] | None = None
        self._fetched_at = float("-inf")

    async def __call__(self) -> Mapping[str, Any]:
        if self._keys is None or self._age() >= self.cache_seconds:
            return await self._fetch()
        return self._keys

    async def refresh(self) -> Mapping[str, Any]:
        """Fetch again now, unless the last fetch is too recent."""
        if self._keys is not None and self._age() < self.min_refresh_seconds:
            return self._keys
        return await self._fetch()

    def _age(self) -> float:
        return self._clock.now().timestamp() - self._fetched_at

    async def _fetch(self) -> Mapping[str, Any]:
        try:
            keys = await self._read()
        except (httpx.HTTPError, OSError, ValueError) as error:
            if self._keys is not None:
                return self._keys  # the issuer is away: the keys we have still hold
            raise KeysUnavailable(
                "the identity service's signing keys cannot be fetched; try again shortly"
            ) from error
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
            raise KeysUnavailable("the identity service's JWKS is not a key set")
        self._keys, self._fetched_at = keys, self._clock.now().timestamp()
        return keys

    async def _read(self) -> Any:
        if self.url.startswith("file://"):
            path = Path(self.url.removeprefix("file://"))
            return json.loads(await asyncio.to_thread(path.read_text))
        async with httpx.AsyncClient(transport=self._transport, timeout=5.0) as http:
            response = await http.get(self.url)
            response.raise_for_status()
            return response.json()

"""A service remembers a verified token for a while: no second signature check, but the
token's times are still checked on every use, and nothing unverified is remembered."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from crm_shared.auth import TokenVerifier, Unauthenticated
from crm_shared.testing import FakeClock
from crm_shared.testing.auth import AUDIENCE, ISSUER, signing_jwks, token_for

START = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


class CountingKeys:
    """The issuer's key set, counting how often a verification needed it."""

    def __init__(self) -> None:
        self.asked = 0

    async def __call__(self) -> Mapping[str, Any]:
        self.asked += 1
        return signing_jwks()


def verifier(clock: FakeClock, keys: CountingKeys, **options: Any) -> TokenVerifier:
    return TokenVerifier(ISSUER, AUDIENCE, keys, clock=clock, leeway_seconds=0, **options)


async def test_a_verified_token_is_not_checked_again_until_its_time_is_up() -> None:
    clock, keys = FakeClock(START), CountingKeys()
    tokens = verifier(clock, keys, remember_seconds=60)
    token = token_for("sales", now=START)
    first = await tokens.principal(token)
    assert await tokens.principal(token) == first
    assert keys.asked == 1
    clock.advance(seconds=61)
    await tokens.principal(token)
    assert keys.asked == 2


async def test_a_remembered_token_still_expires() -> None:
    clock, keys = FakeClock(START), CountingKeys()
    tokens = verifier(clock, keys, remember_seconds=3600)
    token = token_for("sales", now=START, lifetime=timedelta(minutes=5))
    await tokens.principal(token)
    clock.advance(minutes=5)
    with pytest.raises(Unauthenticated, match="expired"):
        await tokens.principal(token)


async def test_nothing_unverified_is_remembered_and_zero_remembers_nothing() -> None:
    clock, keys = FakeClock(START), CountingKeys()
    tokens = verifier(clock, keys, remember_seconds=60)
    forged = token_for("admin", now=START)[:-4] + "AAAA"
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await tokens.principal(forged)
    assert keys.asked == 2
    every_time = verifier(clock, CountingKeys())
    token = token_for("sales", now=START)
    await every_time.principal(token)
    await every_time.principal(token)
    assert every_time._jwks.asked == 2  # type: ignore[attr-defined]


async def test_the_memory_is_bounded() -> None:
    clock, keys = FakeClock(START), CountingKeys()
    tokens = verifier(clock, keys, remember_seconds=60, remember_at_most=2)
    first, second, third = (token_for("sales", now=START) for _ in range(3))
    for token in (first, second, third):
        await tokens.principal(token)
    await tokens.principal(third)
    assert keys.asked == 3
    await tokens.principal(first)  # forgotten: the oldest went when the third came
    assert keys.asked == 4

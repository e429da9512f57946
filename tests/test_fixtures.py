"""The shared test fixtures and helpers behave as documented."""

from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from tests.fixtures import NO_POSTGRES, postgres_unavailable
from tests.helpers import wait_for


async def test_wait_for_returns_the_first_truthy_value() -> None:
    answers = iter([None, 0, "ready"])
    assert await wait_for(lambda: next(answers), timeout=1, interval=0.01) == "ready"


async def test_wait_for_awaits_an_async_predicate() -> None:
    calls: list[int] = []

    async def third_time_lucky() -> bool:
        calls.append(1)
        return len(calls) >= 3

    assert await wait_for(third_time_lucky, timeout=1, interval=0.01) is True


async def test_wait_for_names_what_never_happened() -> None:
    with pytest.raises(
        AssertionError, match=r"timed out after 0.05s waiting for the moon; last: 0"
    ):
        await wait_for(lambda: 0, timeout=0.05, interval=0.01, message="the moon")


async def test_wait_for_retries_ignored_errors_and_raises_others() -> None:
    attempts: list[int] = []

    def flaky() -> bool:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("not yet")
        return True

    assert await wait_for(flaky, timeout=1, interval=0.01, ignore=(ConnectionError,))
    with pytest.raises(ValueError, match="boom"):
        await wait_for(lambda: int("boom"), timeout=1)


def test_missing_postgres_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=NO_POSTGRES):
        postgres_unavailable("connection refused")


def test_missing_postgres_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires one"):
        postgres_unavailable("connection refused")


@pytest.mark.postgres
async def test_make_postgres_database_gives_fresh_empty_databases(
    make_postgres_database: Callable[[], Awaitable[str]],
) -> None:
    first, second = await make_postgres_database(), await make_postgres_database()
    assert first != second
    assert first.startswith("postgresql+asyncpg://postgres@127.0.0.1:5432/crm_test_")
    connection = await asyncpg.connect(first.replace("postgresql+asyncpg", "postgresql"))
    try:
        tables = await connection.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await connection.close()
    assert tables == 0

"""Registers the repository-wide fixtures (broker, PostgreSQL databases) for every test:
the cross-service ones under tests/ and each service's own under services/<svc>/tests."""

from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures"]

_ROOT = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    # With --import-mode=importlib, services/<svc>/tests/__init__.py (or shared/tests/...) would
    # make that folder a second package called "tests", clashing with the root tests/ package.
    inits = [*_ROOT.glob("services/*/tests/__init__.py"), *_ROOT.glob("shared/tests/__init__.py")]
    clashing = sorted(str(path.relative_to(_ROOT)) for path in inits)
    if clashing:
        raise pytest.UsageError(
            "remove " + ", ".join(clashing) + ": a service's tests folder must not be a "
            "package (it would clash with the repository's `tests` package)"
        )

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.launcher import Launcher, running_launcher


@pytest.fixture
async def launcher(tmp_path: Path) -> AsyncIterator[Launcher]:
    """`crm up` in a fresh data folder on free ports; everything it started dies with the test."""
    async with running_launcher(tmp_path) as running:
        yield running

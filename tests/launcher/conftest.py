from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.launcher.harness import LauncherFactory


@pytest.fixture
async def launcher_factory(tmp_path: Path, kafka_bootstrap: str) -> AsyncIterator[LauncherFactory]:
    factory = LauncherFactory(tmp_path, kafka_bootstrap)
    yield factory
    await factory.clean_up()

"""The launcher and the services agree on where each service's port and database are read
(CRM_<SERVICE>_PORT, CRM_<SERVICE>_DATABASE_URL), and no service reads another's; the console
(no database) reads its port and where the services are (CRM_CONSOLE_<SERVICE>_URL) as the
launcher gives them."""

import importlib
import os
import warnings
from pathlib import Path

import pytest
from crm_console.settings import ConsoleSettings
from crm_launcher.services import (
    BACKEND_NAMES,
    CONSOLE,
    SERVICE_NAMES,
    adopt_deprecated_variables,
    console_upstreams,
    service_endpoint,
)
from crm_shared.settings import ServiceSettings


def settings_class(name: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"crm_{name}.settings")
    cls: type[ServiceSettings] = getattr(module, f"{name.capitalize()}Settings")
    return cls


@pytest.fixture
def platform_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every service configured at once, each with its own port and database."""
    for variable in list(os.environ):
        if variable.startswith("CRM_"):
            monkeypatch.delenv(variable)
    env = {"CRM_DATABASE_URL": "sqlite+aiosqlite:///shared-by-nobody.db", "CRM_PORT": "1"}
    for number, name in enumerate(SERVICE_NAMES):
        env[f"CRM_{name.upper()}_PORT"] = str(9100 + number)
    for name in BACKEND_NAMES:
        env[f"CRM_{name.upper()}_DATABASE_URL"] = f"postgresql+asyncpg://db/crm_{name}"
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    return env


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_each_service_reads_its_own_port_and_database(
    platform_environment: dict[str, str], name: str, tmp_path: Path
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        settings = settings_class(name)()
    endpoint = service_endpoint(name, platform_environment, tmp_path)

    assert settings.database_url == f"postgresql+asyncpg://db/crm_{name}"
    assert (endpoint.port, endpoint.database_url) == (settings.port, settings.database_url)


def test_the_console_reads_its_port_and_the_services_urls_the_launcher_gives(
    platform_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    upstreams = console_upstreams(platform_environment, tmp_path)
    for variable, url in upstreams.items():
        monkeypatch.setenv(variable, url)

    settings = ConsoleSettings()
    endpoint = service_endpoint(CONSOLE, platform_environment, tmp_path)

    assert endpoint.port == settings.port
    assert endpoint.database_url == ""  # it owns no data
    assert set(upstreams) == {f"CRM_CONSOLE_{name.upper()}_URL" for name in BACKEND_NAMES}
    assert settings.upstream_urls() == {
        name: service_endpoint(name, platform_environment, tmp_path).base_url
        for name in BACKEND_NAMES
    }


def test_the_launcher_moves_the_old_names_to_the_new_ones(tmp_path: Path) -> None:
    env = {
        "CRM_PORT_SALES": "9200",
        "CRM_DATABASE_URL_SALES": "sqlite+aiosqlite:///old-sales.db",
        "CRM_PORT_SUPPORT": "9201",
        "CRM_SUPPORT_PORT": "9202",
        "CRM_HOST": "127.0.0.1",
    }

    warnings = adopt_deprecated_variables(env)

    assert env == {
        "CRM_SALES_PORT": "9200",
        "CRM_SALES_DATABASE_URL": "sqlite+aiosqlite:///old-sales.db",
        "CRM_SUPPORT_PORT": "9202",
        "CRM_HOST": "127.0.0.1",
    }
    assert warnings == [
        "CRM_DATABASE_URL_SALES is deprecated, set CRM_SALES_DATABASE_URL instead",
        "CRM_PORT_SALES is deprecated, set CRM_SALES_PORT instead",
        "CRM_PORT_SUPPORT is ignored: CRM_SUPPORT_PORT is set",
    ]
    assert service_endpoint("sales", env, tmp_path).port == 9200
    assert service_endpoint("customer", env, tmp_path).port == 8001
    assert service_endpoint("customer", env, tmp_path).database_url.endswith("/customer.db")

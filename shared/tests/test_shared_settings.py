"""ServiceSettings derives its variable names: CRM_<FIELD> for the platform, CRM_<SERVICE>_<FIELD>
for what belongs to one service; the first release's names still work, with a warning."""

import os
import warnings
from collections.abc import Iterator
from typing import ClassVar

import pytest
from crm_shared.settings import ServiceSettings
from pydantic import Field


class LedgerSettings(ServiceSettings):
    service_name: ClassVar[str] = "ledger"

    port: int = 8101
    retention_days: int = Field(30, ge=1)
    accounts: list[str] = Field(default_factory=list)
    # A platform-wide field with another default stays platform-wide.
    consumer_transaction_size: int = 10


class BillingSettings(ServiceSettings):
    service_name: ClassVar[str] = "billing"

    port: int = 8102
    retention_days: int = 7


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No CRM_* (nor generic) variable of the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.upper().startswith("CRM_") or name.upper() in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # an unexpected warning fails the test
        yield


def test_names_derive_from_the_service_name() -> None:
    assert LedgerSettings.variable_names("kafka_bootstrap") == ("CRM_KAFKA_BOOTSTRAP",)
    assert LedgerSettings.variable_names("consumer_transaction_size") == (
        "CRM_CONSUMER_TRANSACTION_SIZE",
    )
    assert LedgerSettings.variable_names("retention_days") == ("CRM_LEDGER_RETENTION_DAYS",)
    assert LedgerSettings.variable_names("port") == ("CRM_LEDGER_PORT", "CRM_PORT_LEDGER")
    assert LedgerSettings.variable_names("database_url") == (
        "CRM_LEDGER_DATABASE_URL",
        "CRM_DATABASE_URL_LEDGER",
    )
    assert "database_url" not in ServiceSettings.platform_fields()
    assert "port" not in ServiceSettings.platform_fields()


def test_service_and_platform_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRM_LEDGER_DATABASE_URL", "postgresql+asyncpg://db/ledger")
    monkeypatch.setenv("CRM_LEDGER_PORT", "9001")
    monkeypatch.setenv("CRM_LEDGER_RETENTION_DAYS", "90")
    monkeypatch.setenv("CRM_LEDGER_ACCOUNTS", '["cash", "bank"]')
    monkeypatch.setenv("CRM_KAFKA_BOOTSTRAP", "kafka:9092")
    monkeypatch.setenv("CRM_CONSUMER_TRANSACTION_SIZE", "250")

    settings = LedgerSettings()

    assert settings.database_url == "postgresql+asyncpg://db/ledger"
    assert (settings.port, settings.retention_days) == (9001, 90)
    assert settings.accounts == ["cash", "bank"]
    assert settings.kafka_bootstrap == "kafka:9092"
    assert settings.consumer_transaction_size == 250


def test_a_service_reads_only_its_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    # Everything a ledger could wrongly pick up: another service's settings under the new and
    # the old names, a platform-wide CRM_DATABASE_URL / CRM_PORT, the generic names hosting
    # platforms set, and service-scoped spellings of platform-wide settings.
    monkeypatch.setenv("CRM_BILLING_DATABASE_URL", "postgresql+asyncpg://db/billing")
    monkeypatch.setenv("CRM_BILLING_PORT", "9002")
    monkeypatch.setenv("CRM_BILLING_RETENTION_DAYS", "3")
    monkeypatch.setenv("CRM_DATABASE_URL_BILLING", "postgresql+asyncpg://old/billing")
    monkeypatch.setenv("CRM_PORT_BILLING", "9003")
    monkeypatch.setenv("CRM_DATABASE_URL", "postgresql+asyncpg://db/everyone")
    monkeypatch.setenv("CRM_PORT", "9004")
    monkeypatch.setenv("CRM_RETENTION_DAYS", "5")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://someone-else/db")
    monkeypatch.setenv("PORT", "80")
    monkeypatch.setenv("CRM_LEDGER_KAFKA_BOOTSTRAP", "elsewhere:9092")

    ledger = LedgerSettings(data_dir="data")
    with pytest.warns(FutureWarning, match="is ignored"):  # billing's old names: see below
        billing = BillingSettings()

    assert ledger.database_url == "sqlite+aiosqlite:///data/ledger.db"
    assert (ledger.port, ledger.retention_days) == (8101, 30)
    assert ledger.kafka_bootstrap == "127.0.0.1:9092"
    assert billing.database_url == "postgresql+asyncpg://db/billing"
    assert (billing.port, billing.retention_days) == (9002, 3)


def test_keywords_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_LEDGER_PORT", "9001")
    monkeypatch.setenv("CRM_LEDGER_DATABASE_URL", "postgresql+asyncpg://db/ledger")
    monkeypatch.setenv("CRM_KAFKA_BOOTSTRAP", "kafka:9092")

    settings = LedgerSettings(
        port=1234, database_url="sqlite+aiosqlite:///kw.db", kafka_bootstrap="here:1"
    )

    assert (settings.port, settings.database_url) == (1234, "sqlite+aiosqlite:///kw.db")
    assert settings.kafka_bootstrap == "here:1"


def test_a_bad_value_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_LEDGER_RETENTION_DAYS", "0")
    with pytest.raises(ValueError, match="retention_days"):
        LedgerSettings()


def test_the_old_names_still_work_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_DATABASE_URL_LEDGER", "postgresql+asyncpg://old/ledger")
    monkeypatch.setenv("CRM_PORT_LEDGER", "9005")

    with pytest.warns(FutureWarning) as caught:
        settings = LedgerSettings()

    assert (settings.database_url, settings.port) == ("postgresql+asyncpg://old/ledger", 9005)
    assert sorted(str(warning.message) for warning in caught) == [
        "CRM_DATABASE_URL_LEDGER is deprecated, set CRM_LEDGER_DATABASE_URL instead",
        "CRM_PORT_LEDGER is deprecated, set CRM_LEDGER_PORT instead",
    ]
    assert {warning.filename for warning in caught} == {__file__}  # points at the caller


def test_the_new_name_wins_over_the_old_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_LEDGER_PORT", "9001")
    monkeypatch.setenv("CRM_PORT_LEDGER", "9005")

    with pytest.warns(FutureWarning, match="CRM_PORT_LEDGER is ignored: CRM_LEDGER_PORT is set"):
        settings = LedgerSettings()

    assert settings.port == 9001

import pytest
from crm_customer.settings import CustomerSettings
from pydantic import ValidationError


def test_database_url_and_port_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_CUSTOMER_DATABASE_URL", "sqlite+aiosqlite:///env.db")
    monkeypatch.setenv("CRM_CUSTOMER_PORT", "9101")
    monkeypatch.setenv("CRM_SALES_DATABASE_URL", "sqlite+aiosqlite:///sales.db")
    monkeypatch.setenv("CRM_DATABASE_URL", "sqlite+aiosqlite:///everyone.db")
    settings = CustomerSettings()
    assert settings.database_url == "sqlite+aiosqlite:///env.db"
    assert settings.port == 9101


def test_keywords_win_and_defaults_apply(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.delenv("CRM_CUSTOMER_DATABASE_URL", raising=False)
    monkeypatch.delenv("CRM_CUSTOMER_PORT", raising=False)
    settings = CustomerSettings(database_url="sqlite+aiosqlite:///kw.db", port=9200)
    assert (settings.database_url, settings.port) == ("sqlite+aiosqlite:///kw.db", 9200)
    defaults = CustomerSettings(data_dir="data")
    assert defaults.port == 8001
    assert defaults.database_url.endswith("data/customer.db")
    assert defaults.default_phone_region == "US"
    assert defaults.duplicates_strict is False


def test_customer_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_CUSTOMER_DUPLICATES_STRICT", "true")
    monkeypatch.setenv("CRM_CUSTOMER_DEFAULT_PHONE_REGION", "de")
    monkeypatch.setenv(
        "CRM_CUSTOMER_CREDIT_THRESHOLDS",
        '[{"grade": "A", "min_collected_share": 0.95, "max_payment_cycle_days": 30}]',
    )
    settings = CustomerSettings()
    assert settings.duplicates_strict is True
    assert settings.default_phone_region == "DE"
    assert [row.grade for row in settings.credit_thresholds] == ["A"]


@pytest.mark.parametrize(
    "rows",
    [
        [{"grade": "B", "min_collected_share": 0.7, "max_payment_cycle_days": 70},
         {"grade": "A", "min_collected_share": 0.9, "max_payment_cycle_days": 40}],
        [{"grade": "E", "min_collected_share": 0.0, "max_payment_cycle_days": 999}],
        [{"grade": "A", "min_collected_share": 1.5, "max_payment_cycle_days": 40}],
    ],
)  # fmt: skip
def test_a_malformed_credit_table_is_refused(rows: list[dict[str, object]]) -> None:
    with pytest.raises(ValidationError):
        CustomerSettings(credit_thresholds=rows)


def test_the_old_names_still_work_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_CUSTOMER_DATABASE_URL", raising=False)
    monkeypatch.delenv("CRM_CUSTOMER_PORT", raising=False)
    monkeypatch.setenv("CRM_DATABASE_URL_CUSTOMER", "sqlite+aiosqlite:///old.db")
    monkeypatch.setenv("CRM_PORT_CUSTOMER", "9102")
    with pytest.warns(FutureWarning) as caught:
        settings = CustomerSettings()
    assert (settings.database_url, settings.port) == ("sqlite+aiosqlite:///old.db", 9102)
    assert sorted(str(warning.message) for warning in caught) == [
        "CRM_DATABASE_URL_CUSTOMER is deprecated, set CRM_CUSTOMER_DATABASE_URL instead",
        "CRM_PORT_CUSTOMER is deprecated, set CRM_CUSTOMER_PORT instead",
    ]

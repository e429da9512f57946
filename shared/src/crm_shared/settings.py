"""Settings every service shares, read from ``CRM_*`` environment variables.

Platform-wide settings (the broker, the data folder, the relay, …) are read from
``CRM_<FIELD>``: one value for the whole platform. A service's own settings are read from
``CRM_<SERVICE>_<FIELD>``, the names derived from the class's ``service_name``: its database
URL and port (``CRM_CUSTOMER_DATABASE_URL``, ``CRM_SALES_PORT``) and every field its subclass
adds (``CRM_CUSTOMER_DUPLICATES_STRICT``). So one environment configures the whole platform,
and no service reads another's database, nor a shared ``CRM_DATABASE_URL`` or a generic
``DATABASE_URL`` / ``PORT`` that a host sets for something else. Keywords
(``CustomerSettings(port=9000)``) win over the environment.

The names used before, ``CRM_DATABASE_URL_<SERVICE>`` and ``CRM_PORT_<SERVICE>``, still work
with a :class:`FutureWarning` when the new name is not set; they will go in a later release.
"""

import sys
import warnings
from pathlib import Path
from typing import Any, ClassVar, cast

from pydantic import Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PLATFORM_PREFIX = "CRM_"
# Declared on ServiceSettings but configured per service; every field a subclass adds is too.
SERVICE_SCOPED_FIELDS = frozenset({"database_url", "port"})
# The names of the first release, read (with a warning) where the new name is not set.
DEPRECATED_VARIABLES: dict[str, str] = {
    "database_url": "CRM_DATABASE_URL_{SERVICE}",
    "port": "CRM_PORT_{SERVICE}",
}


def service_variable(service_name: str, field_name: str) -> str:
    """``CRM_<SERVICE>_<FIELD>``: where a service-scoped setting is read."""
    return f"{PLATFORM_PREFIX}{service_name}_{field_name}".upper().replace("-", "_")


def deprecated_service_variable(service_name: str, field_name: str) -> str | None:
    """The old name of a service-scoped setting (``CRM_PORT_SALES``), if it had one."""
    template = DEPRECATED_VARIABLES.get(field_name)
    if template is None:
        return None
    return template.format(SERVICE=service_name.upper().replace("-", "_"))


def _warn(message: str) -> None:
    """A FutureWarning (shown by default: it is meant for operators) that points at the code
    creating the settings, not at pydantic-settings' internals."""
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        ("pydantic", __name__)
    ):
        level, frame = level + 1, frame.f_back
    warnings.warn(message, FutureWarning, stacklevel=level + 1)


class _ServiceEnvironment(EnvSettingsSource):
    """The environment, read under the names :meth:`ServiceSettings.variable_names` gives."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        settings_cls = cast(type[ServiceSettings], self.settings_cls)
        current, *deprecated = settings_cls.variable_names(field_name)
        value = self.env_vars.get(self._key(current))
        for old in deprecated:
            old_value = self.env_vars.get(self._key(old))
            if old_value is None:
                continue
            if value is None:
                value = old_value
                _warn(f"{old} is deprecated, set {current} instead")
            else:
                _warn(f"{old} is ignored: {current} is set")
        return value, field_name, False

    def _key(self, variable: str) -> str:
        return variable if self.case_sensitive else variable.lower()


class ServiceSettings(BaseSettings):
    """The platform-wide settings (``CRM_<FIELD>``) and the service-scoped ones
    (``CRM_<SERVICE>_<FIELD>``: ``database_url``, ``port`` and every field a subclass adds).

    A subclass that redeclares a platform-wide field (to change its default) still reads it
    from ``CRM_<FIELD>``."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "service"

    kafka_bootstrap: str = "127.0.0.1:9092"
    # Apache Kafka supports the idempotent producer; the bundled Tansu broker does not accept
    # the InitProducerId request version aiokafka sends, so the launcher turns it off there.
    kafka_idempotence: bool = True
    kafka_request_timeout_ms: int = Field(10_000, ge=1_000)
    # A new consumer group's first join waits about half of this on the development broker.
    kafka_session_timeout_ms: int = Field(10_000, ge=1_000)
    # How long a consumer's fetch waits for data: aiokafka's 500 ms default is most of the
    # write-to-view latency; shorter costs more idle fetch requests.
    kafka_fetch_max_wait_ms: int = Field(25, ge=1)
    topic_partitions: int = Field(6, ge=1)
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    log_level: str = "INFO"
    log_json: bool = True

    # Service-scoped: CRM_<SERVICE>_DATABASE_URL (default: <data dir>/<service>.db) and
    # CRM_<SERVICE>_PORT (a service redeclares port with its default).
    database_url: str = ""
    port: int = 0

    relay_batch_size: int = Field(500, ge=1)
    relay_idle_poll_seconds: float = Field(1.0, gt=0)
    relay_max_backoff_seconds: float = Field(10.0, gt=0)
    outbox_retention_days: float = Field(7, gt=0)
    idempotency_retention_hours: float = Field(24, gt=0)
    # How long audit entries are kept (CRM_AUDIT_RETENTION_DAYS); housekeeping purges older.
    audit_retention_days: float = Field(400, gt=0)
    # Records fetched per poll (from all the consumer's partitions).
    consumer_max_batch: int = Field(2000, ge=1)
    # Records applied per database transaction: bigger runs make projections cheaper per
    # event (one statement per table per run), at the cost of redoing more after a failure.
    consumer_transaction_size: int = Field(1000, ge=1)
    # Every instance of a service shares one group (they split the partitions); a second,
    # independent platform on the same broker (a test, a staging copy) needs its own prefix.
    consumer_group_prefix: str = "crm"
    consumer_max_backoff_seconds: float = Field(10.0, gt=0)
    page_size_default: int = Field(50, ge=1)
    page_size_max: int = Field(200, ge=1)
    # The largest request body read (a CSV import included); beyond it: 413.
    max_request_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    # Requests per minute per caller, in each service instance (crm_shared.ratelimit): a
    # person's (by token subject), and a partner client's whose token carries no limit of its
    # own (the rate_limit_per_minute claim). A bucket holds one window's share (the burst) and
    # refills continuously. Off (benchmarks): CRM_RATE_LIMIT_ENABLED=false.
    rate_limit_enabled: bool = True
    rate_limit_per_minute: int = Field(600, ge=1)
    rate_limit_client_per_minute: int = Field(600, ge=1)
    rate_limit_window_seconds: int = Field(60, ge=1, le=3600)
    # Rows a caller may import or export per minute (policy "bulk", a bucket of its own): a
    # bulk file is charged its rows here, so that a 100,000-row import passes on the default
    # and leaves the caller's requests free, while nobody can move rows without bound.
    rate_limit_bulk_rows_per_minute: int = Field(1_000_000, ge=1)
    # Callers remembered at most; refilled buckets are forgotten first (bounded memory).
    rate_limit_max_callers: int = Field(10_000, ge=1)
    # Browser front-ends on other origins (CORS): exact origins, comma-separated, and/or a
    # regular expression. None by default; `crm up` (development) allows localhost.
    cors_allow_origins: str = ""
    cors_allow_origin_regex: str = ""
    # Bearer tokens: who issues them, for whom, and where the issuer publishes its keys (the
    # identity service by default; an OpenID Connect provider such as Keycloak in production).
    auth_issuer: str = "http://127.0.0.1:8006"
    auth_audience: str = "crm"
    auth_jwks_url: str = "http://127.0.0.1:8006/.well-known/jwks.json"
    auth_jwks_cache_seconds: float = Field(300.0, gt=0)
    # How long a verified token is trusted without checking its signature again (0: every
    # request); a signing key the issuer withdraws is refused after at most this plus the
    # JWKS cache. Expiry is checked on every request regardless.
    auth_token_cache_seconds: float = Field(60.0, ge=0)
    # Optional: an OpenID Connect provider (Keycloak, say) that issues the people's tokens,
    # trusted beside the issuer above (which keeps issuing the partner clients'). Its tokens
    # must carry the CRM's audience and the claims ``role`` (and ``team``) as the README says.
    auth_people_issuer: str = ""
    auth_people_jwks_url: str = ""

    @classmethod
    def platform_fields(cls) -> frozenset[str]:
        """The fields read from ``CRM_<FIELD>``, the same for every service."""
        return frozenset(ServiceSettings.model_fields) - SERVICE_SCOPED_FIELDS

    @classmethod
    def variable_names(cls, field_name: str) -> tuple[str, ...]:
        """Where ``field_name`` is read: its variable, then any deprecated old name."""
        if field_name in cls.platform_fields():
            return ((PLATFORM_PREFIX + field_name).upper(),)
        old = deprecated_service_variable(cls.service_name, field_name)
        current = service_variable(cls.service_name, field_name)
        return (current,) if old is None else (current, old)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Keywords, then the environment under the derived names. No .env file or secrets
        # folder: their sources would read the field names without the service's scope.
        return init_settings, _ServiceEnvironment(settings_cls)

    @model_validator(mode="after")
    def _default_database_in_data_dir(self) -> "ServiceSettings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / f'{self.service_name}.db'}"
        return self

    @model_validator(mode="after")
    def _people_issuer_has_keys(self) -> "ServiceSettings":
        if self.auth_people_issuer and not self.auth_people_jwks_url:
            raise ValueError("CRM_AUTH_PEOPLE_ISSUER needs CRM_AUTH_PEOPLE_JWKS_URL (its keys)")
        return self

    @property
    def consumer_group(self) -> str:
        return f"{self.consumer_group_prefix}-{self.service_name}"

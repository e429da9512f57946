"""Settings every service shares, read from ``CRM_*`` environment variables.

Each service subclasses :class:`ServiceSettings` and names its own database URL and port
variables (``CRM_DATABASE_URL_<SERVICE>``, ``CRM_PORT_<SERVICE>``) so that one environment can
configure the whole platform without one service picking up another's database.
"""

from pathlib import Path
from typing import ClassVar

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore", populate_by_name=True)

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
    kafka_fetch_max_wait_ms: int = Field(100, ge=1)
    topic_partitions: int = Field(6, ge=1)
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    log_level: str = "INFO"
    log_json: bool = True

    # Redeclared by each service with aliases CRM_DATABASE_URL_<SERVICE> and CRM_PORT_<SERVICE>.
    database_url: str = ""
    port: int = 0

    relay_batch_size: int = Field(500, ge=1)
    relay_idle_poll_seconds: float = Field(1.0, gt=0)
    relay_max_backoff_seconds: float = Field(10.0, gt=0)
    outbox_retention_days: float = Field(7, gt=0)
    idempotency_retention_hours: float = Field(24, gt=0)
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

    @model_validator(mode="after")
    def _default_database_in_data_dir(self) -> "ServiceSettings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / f'{self.service_name}.db'}"
        return self

    @property
    def consumer_group(self) -> str:
        return f"{self.consumer_group_prefix}-{self.service_name}"

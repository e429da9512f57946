"""Settings of the timer worker, read from ``CRM_TIMER_*`` environment variables."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TimerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_TIMER_", extra="ignore")

    # Longest idle wait between looks for due timers. A commit in this process that schedules
    # a sooner timer wakes the worker at once; another instance's schedule is seen at the
    # next look.
    poll_seconds: float = Field(1.0, gt=0)
    # Timers fired per pass (each in its own transaction) before the worker looks again.
    batch_size: int = Field(100, ge=1)
    # Ordinary timers fired in one transaction: their handlers' changes, events and done
    # marks commit together (one commit for many timers, and a batch handler reads their
    # records in one query). A chunk whose handler raises is rolled back and fired again
    # one timer at a time, so only the failing timer is retried.
    chunk_size: int = Field(100, ge=1)
    # A handler that raises is retried after retry_base_seconds * 2^(attempt - 1), at most
    # retry_max_seconds; after max_attempts failed attempts the timer is marked failed.
    max_attempts: int = Field(10, ge=1)
    retry_base_seconds: float = Field(5.0, gt=0)
    retry_max_seconds: float = Field(3600.0, gt=0)
    # Fired (done) timers are deleted by housekeeping after this long; failed ones are kept.
    retention_days: float = Field(7, gt=0)

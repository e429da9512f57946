"""What a timer is, what handles it, and recurring schedules from cron expressions."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeAlias, runtime_checkable
from zoneinfo import ZoneInfo

from croniter import croniter

from crm_shared.db.uow import UnitOfWork


class TimerState(StrEnum):
    PENDING = "pending"  # waiting for its run time (a retry too)
    DONE = "done"  # its handler committed
    FAILED = "failed"  # its handler raised on every attempt: given up, kept to be seen


@dataclass(frozen=True)
class Timer:
    """A timer as its handler gets it."""

    id: int
    kind: str
    key: str
    due_at: datetime  # when the service asked for it (not moved by retries)
    payload: dict[str, Any]
    attempts: int  # failed attempts before this one
    version: int
    correlation_id: str | None = None


TimerHandler: TypeAlias = Callable[[UnitOfWork, Timer], Awaitable[None]]
"""``async (uow, timer) -> None``: changes state and records events on ``uow``; never commits
(the worker commits it together with the timer's done mark)."""


@runtime_checkable
class BatchTimerHandler(Protocol):
    """A handler that fires every due timer of its kind in a chunk at once, so that it reads
    and writes their records in sets (one query for all, not one per timer). Same contract
    as :data:`TimerHandler` otherwise: never commits; all or nothing with the done marks."""

    handles_batches: bool  # True

    async def __call__(self, uow: UnitOfWork, timers: Sequence[Timer]) -> None: ...


SCHEDULE_KIND_PREFIX = "schedule."


@dataclass(frozen=True)
class Schedule:
    """Recurring work: every occurrence of ``cron`` (evaluated in ``timezone``) becomes a
    timer of kind ``schedule.<name>`` whose key is the occurrence's UTC time (ISO 8601), so
    that several instances arming the same occurrence make one timer, fired once."""

    name: str
    cron: str
    handler: TimerHandler = field(compare=False)
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.cron):
            raise ValueError(f"schedule {self.name!r}: invalid cron expression {self.cron!r}")
        ZoneInfo(self.timezone)  # raises for an unknown zone

    @property
    def kind(self) -> str:
        return f"{SCHEDULE_KIND_PREFIX}{self.name}"

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment``, in UTC."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        following: datetime = croniter(self.cron, local).get_next(datetime)
        return following.astimezone(UTC)


def occurrence_key(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()

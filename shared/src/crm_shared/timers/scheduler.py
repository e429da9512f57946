"""What a service calls, inside its unit of work: schedule, cancel or move a timer.

A timer is identified by ``(kind, key)``: ``kind`` names its handler (``"sla.breach"``),
``key`` the thing it is about (a ticket id). The change commits with the rest of the unit
of work, or not at all. A worker of this process that sleeps past the new due time is woken
once the unit commits.
"""

import json
import weakref
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table

from crm_shared.db.uow import UnitOfWork
from crm_shared.timers.model import Timer, TimerState
from crm_shared.timers.repository import TimerRepository


async def schedule(
    uow: UnitOfWork,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Fire the handler of ``kind`` for ``key`` at ``due_at`` (at once if it is past).

    Scheduling a ``(kind, key)`` that exists replaces its due time and payload and arms it
    again, whatever its state (a handler may re-arm its own timer this way). Events raised
    by the handler carry the correlation id of this unit of work."""
    _check_identity(kind, key)
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    body = dict(payload or {})
    json.dumps(body)  # fail here, not at commit, on a payload that is not JSON
    await TimerRepository(uow.session, uow.tables).upsert(
        kind, key, due_at, body, uow.clock.now(), uow.correlation_id
    )
    _wake_after_commit(uow, due_at)


async def cancel(uow: UnitOfWork, kind: str, key: str) -> bool:
    """Cancel the pending timer ``(kind, key)``; False if there is none (never scheduled,
    cancelled already, or it has fired: a timer being fired right now is waited for)."""
    return await TimerRepository(uow.session, uow.tables).delete_pending(kind, key)


async def reschedule(uow: UnitOfWork, kind: str, key: str, due_at: datetime) -> bool:
    """Move the pending timer ``(kind, key)`` to ``due_at`` (an SLA that pauses moves its
    breach timer); its payload stays. False if no such timer is pending."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    moved = await TimerRepository(uow.session, uow.tables).move(kind, key, due_at, uow.clock.now())
    if moved:
        _wake_after_commit(uow, due_at)
    return moved


async def get_timer(uow: UnitOfWork, kind: str, key: str) -> tuple[Timer, TimerState] | None:
    """The timer ``(kind, key)`` and its state, if there is one."""
    found = await TimerRepository(uow.session, uow.tables).get(kind, key)
    if found is None:
        return None
    timer, state, _ = found
    return timer, TimerState(state)


def _check_identity(kind: str, key: str) -> None:
    if not kind or len(kind) > 128:
        raise ValueError("a timer kind has 1 to 128 characters")
    if not key or len(key) > 255:
        raise ValueError("a timer key has 1 to 255 characters")


# --- waking the workers of this process --------------------------------------------------


class _Wakeable(Protocol):
    table: Table

    def notify(self, due_at: datetime) -> None: ...


_workers: "weakref.WeakSet[Any]" = weakref.WeakSet()


def register_worker(worker: _Wakeable) -> None:
    _workers.add(worker)


def unregister_worker(worker: _Wakeable) -> None:
    _workers.discard(worker)


def _wake_after_commit(uow: UnitOfWork, due_at: datetime) -> None:
    table = uow.tables.timers

    async def wake() -> None:
        for worker in list(_workers):
            if worker.table is table:
                worker.notify(due_at)

    uow.after_commit(wake)

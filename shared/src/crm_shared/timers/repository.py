"""Queries on the timers table: all the timers' SQL in one place."""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.db.platform_tables import PlatformTables
from crm_shared.timers.model import Timer, TimerState


class TimerRepository:
    def __init__(self, session: AsyncSession, tables: PlatformTables) -> None:
        self.session = session
        self.timers = tables.timers

    # --- what services do (through crm_shared.timers.schedule / cancel / reschedule) ---

    async def upsert(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any],
        now: datetime,
        correlation_id: str | None = None,
    ) -> None:
        """Schedule (kind, key) at ``due_at``: a new timer, or the existing one (pending,
        done or failed) armed again with this due time and payload."""
        values = self._new_row(kind, key, due_at, payload, now, correlation_id)
        statement = self._insert().values(values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["kind", "key"],
                set_={
                    "due_at": due_at,
                    "run_at": due_at,
                    "payload": payload,
                    "state": TimerState.PENDING.value,
                    "version": self.timers.c.version + 1,
                    "attempts": 0,
                    "last_error": None,
                    "correlation_id": correlation_id,
                    "updated_at": now,
                    "finished_at": None,
                },
            )
        )

    async def insert_if_absent(
        self, kind: str, key: str, due_at: datetime, payload: dict[str, Any], now: datetime
    ) -> None:
        """A timer unless (kind, key) exists already, in any state (schedule occurrences)."""
        statement = self._insert().values(self._new_row(kind, key, due_at, payload, now, None))
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=["kind", "key"]))

    async def delete_pending(self, kind: str, key: str) -> bool:
        result = await self.session.execute(delete(self.timers).where(*self._pending(kind, key)))
        return _count(result) > 0

    async def move(self, kind: str, key: str, due_at: datetime, now: datetime) -> bool:
        result = await self.session.execute(
            update(self.timers)
            .where(*self._pending(kind, key))
            .values(
                due_at=due_at,
                run_at=due_at,
                version=self.timers.c.version + 1,
                updated_at=now,
            )
        )
        return _count(result) > 0

    async def get(self, kind: str, key: str) -> tuple[Timer, str, str | None] | None:
        """The timer, its state and its last error (for services and tests)."""
        row = (
            await self.session.execute(
                select(*self._timer_columns(), self.timers.c.state, self.timers.c.last_error).where(
                    self.timers.c.kind == kind, self.timers.c.key == key
                )
            )
        ).first()
        if row is None:
            return None
        return _timer(row), row.state, row.last_error

    # --- what the worker does ---

    async def claim_due(
        self, now: datetime, kinds: Collection[str], limit: int, *, skip_locked: bool
    ) -> list[Timer]:
        """Up to ``limit`` pending timers of ``kinds`` that are due, longest due first. On
        PostgreSQL they stay locked (``FOR UPDATE SKIP LOCKED``) until the transaction ends,
        and other instances pass them by; SQLite's write transaction excludes every other
        writer anyway."""
        statement = (
            select(*self._timer_columns())
            .where(
                self.timers.c.state == TimerState.PENDING.value,
                self.timers.c.run_at <= now,
                self.timers.c.kind.in_(kinds),
            )
            .order_by(self.timers.c.run_at, self.timers.c.id)
            .limit(limit)
        )
        if skip_locked:
            statement = statement.with_for_update(skip_locked=True)
        return [_timer(row) for row in await self.session.execute(statement)]

    async def next_due(
        self, now: datetime, kinds: Collection[str], *, passed_by: Collection[int] = ()
    ) -> Timer | None:
        """The pending timer of one of ``kinds`` that is due longest, read without a lock
        (it may be changed or claimed by the time the reader acts on it), leaving out
        ``passed_by`` (ids already tried in this pass)."""
        statement = (
            select(*self._timer_columns())
            .where(
                self.timers.c.state == TimerState.PENDING.value,
                self.timers.c.run_at <= now,
                self.timers.c.kind.in_(kinds),
            )
            .order_by(self.timers.c.run_at, self.timers.c.id)
            .limit(1)
        )
        if passed_by:
            statement = statement.where(self.timers.c.id.not_in(passed_by))
        row = (await self.session.execute(statement)).first()
        return _timer(row) if row is not None else None

    async def claim(self, timer: Timer, now: datetime, *, skip_locked: bool) -> bool:
        """Claim exactly ``timer`` as it was read: True only if it is still pending, due and
        unchanged (not scheduled again, moved, cancelled or attempted meanwhile). On
        PostgreSQL it stays locked until the transaction ends, and one that another
        instance holds is passed by (False) rather than waited for."""
        c = self.timers.c
        statement = select(c.id).where(
            c.id == timer.id,
            c.state == TimerState.PENDING.value,
            c.run_at <= now,
            c.version == timer.version,
            c.attempts == timer.attempts,
        )
        if skip_locked:
            statement = statement.with_for_update(skip_locked=True)
        return (await self.session.execute(statement)).first() is not None

    async def mark_done(self, timer_ids: int | Collection[int], now: datetime) -> None:
        ids = [timer_ids] if isinstance(timer_ids, int) else list(timer_ids)
        await self.session.execute(
            update(self.timers)
            .where(self.timers.c.id.in_(ids))
            .values(
                state=TimerState.DONE.value,
                attempts=self.timers.c.attempts + 1,
                last_error=None,
                updated_at=now,
                finished_at=now,
            )
        )

    async def record_failure(
        self, timer: Timer, error: str, now: datetime, retry_at: datetime | None
    ) -> bool:
        """One more failed attempt: retried at ``retry_at``, or failed for good if None.
        Applies only to the attempt that was claimed (not to a timer scheduled again,
        moved or attempted by another instance meanwhile)."""
        state = TimerState.PENDING if retry_at is not None else TimerState.FAILED
        result = await self.session.execute(
            update(self.timers)
            .where(
                self.timers.c.id == timer.id,
                self.timers.c.state == TimerState.PENDING.value,
                self.timers.c.version == timer.version,
                self.timers.c.attempts == timer.attempts,
            )
            .values(
                state=state.value,
                attempts=timer.attempts + 1,
                last_error=error[:2000],
                run_at=retry_at if retry_at is not None else self.timers.c.run_at,
                updated_at=now,
                finished_at=None if retry_at is not None else now,
            )
        )
        return _count(result) > 0

    async def next_run_at(self, kinds: Collection[str]) -> datetime | None:
        """When the soonest pending timer of ``kinds`` is to run (perhaps in the past)."""
        value: datetime | None = await self.session.scalar(
            select(func.min(self.timers.c.run_at)).where(
                self.timers.c.state == TimerState.PENDING.value, self.timers.c.kind.in_(kinds)
            )
        )
        return value

    async def drop_other_future_occurrences(self, kind: str, keep_key: str, now: datetime) -> int:
        """Pending occurrences of a schedule that are not due yet and are not ``keep_key``
        (left behind by an earlier cron expression): the next occurrence replaces them."""
        result = await self.session.execute(
            delete(self.timers).where(
                self.timers.c.kind == kind,
                self.timers.c.state == TimerState.PENDING.value,
                self.timers.c.due_at > now,
                self.timers.c.key != keep_key,
            )
        )
        return _count(result)

    # --- housekeeping and metrics ---

    async def delete_done_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(self.timers).where(
                self.timers.c.state == TimerState.DONE.value, self.timers.c.finished_at < cutoff
            )
        )
        return _count(result)

    async def count_by_state(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(self.timers.c.state, func.count()).group_by(self.timers.c.state)
        )
        return {state: int(count) for state, count in rows}

    # --- helpers ---

    def _timer_columns(self) -> tuple[Any, ...]:
        c = self.timers.c
        return (c.id, c.kind, c.key, c.due_at, c.payload, c.attempts, c.version, c.correlation_id)

    def _pending(self, kind: str, key: str) -> tuple[Any, ...]:
        c = self.timers.c
        return (c.kind == kind, c.key == key, c.state == TimerState.PENDING.value)

    def _new_row(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any],
        now: datetime,
        correlation_id: str | None,
    ) -> dict[str, Any]:
        return {
            "kind": kind,
            "key": key,
            "due_at": due_at,
            "run_at": due_at,
            "payload": payload,
            "state": TimerState.PENDING.value,
            "version": 1,
            "attempts": 0,
            "correlation_id": correlation_id,
            "created_at": now,
            "updated_at": now,
        }

    def _dialect(self) -> Any:
        return self.session.get_bind().dialect

    def _insert(self) -> Any:
        """INSERT … ON CONFLICT in the database's own dialect (both have it)."""
        if self._dialect().name == "postgresql":
            return postgresql.insert(self.timers)
        return sqlite.insert(self.timers)


def _timer(row: Any) -> Timer:
    return Timer(
        id=row.id,
        kind=row.kind,
        key=row.key,
        due_at=row.due_at,
        payload=dict(row.payload or {}),
        attempts=row.attempts,
        version=row.version,
        correlation_id=row.correlation_id,
    )


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)

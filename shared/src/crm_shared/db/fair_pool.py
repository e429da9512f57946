"""A connection pool that hands connections out in the order they were asked for.

SQLAlchemy's asyncio pool takes a free connection for whoever asks while it is free, even
when others have waited for it, and a waiter that is woken but beaten to it joins the back
of the line again. With SQLite's one write connection under a steady stream of requests,
that let newcomers barge past the outbox relay and the timer worker for a second and more.
Here a returned connection goes straight to the longest waiter (FIFO), and a caller only
takes a free one when nobody waits.
"""

import asyncio
from collections import deque
from typing import Any, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.concurrency import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

_T = TypeVar("_T")


class FairQueue(AsyncAdaptedQueue[_T]):
    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[asyncio.Future[_T]] = deque()

    def put_nowait(self, item: _T) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a waiter that gave up (timed out, cancelled) is skipped
                waiter.set_result(item)
                return
        super().put_nowait(item)

    def put(self, item: _T, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool never returns more connections than it holds

    def get(self, block: bool = True, timeout: float | None = None) -> _T:
        if not any(not waiter.done() for waiter in self._waiters):
            self._waiters.clear()
            try:
                return self._queue.get_nowait()
            except asyncio.QueueEmpty:
                pass
        if not block:
            raise Empty()
        return await_(self._wait(timeout))

    async def _wait(self, patience: float | None) -> _T:
        waiter: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), patience)
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed over just as we gave up: pass it on
            else:
                waiter.cancel()
            if isinstance(error, TimeoutError):
                raise Empty() from error
            raise


class FairAsyncQueuePool(AsyncAdaptedQueuePool):
    _queue_class: Any = FairQueue

"""Background loops must end when cancelled, even when a cancellation was swallowed.

On Python 3.11, ``asyncio.wait_for`` (used by client libraries and by us) can lose a
cancellation that arrives as the awaited operation completes; the task then runs on with a
cancellation pending. Every long-running loop checks for one on each turn.
"""

import asyncio


def being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def stop_if_cancelled() -> None:
    if being_cancelled():
        raise asyncio.CancelledError

"""Runs the services as child processes: start, wait until ready, keep them running, stop.

The rules, in one place:
- every child runs in its own session, so a Ctrl-C in the terminal reaches only the launcher,
  which then stops every child with SIGTERM (uvicorn's graceful shutdown) and exits 0;
- a child that exits on its own, during start-up or later, is started again after a back-off,
  until it crashes more often than the restart policy allows: then it is given up on and the
  others keep running (``crm_launcher.restart_policy``);
- the URLs are announced once every child is ready or given up on; a child neither ready nor
  given up on after ``ready_timeout`` fails the launch;
- the launcher exits 1 once every child is given up on, and also at the end (Ctrl-C) of a run
  in which any child was given up on;
- a child that ignores SIGTERM for ``stop_timeout`` seconds gets SIGKILL.
"""

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from crm_launcher.child import ChildSpec, SupervisedChild
from crm_launcher.logs import PrefixedPrinter
from crm_launcher.restart_policy import RestartPolicy

__all__ = ["EXIT_FAILED", "EXIT_OK", "ChildSpec", "Supervisor", "stop_on_signals"]

EXIT_OK = 0
EXIT_FAILED = 1


@dataclass
class Supervisor:
    specs: Sequence[ChildSpec]
    printer: PrefixedPrinter
    ready_timeout: float = 60.0
    stop_timeout: float = 15.0
    restart_policy: RestartPolicy = field(default_factory=RestartPolicy)
    # Called once, when every child is ready or given up on, with the names given up on.
    on_ready: Callable[[Sequence[str]], None] = lambda given_up: None

    async def run(self, stop: asyncio.Event) -> int:
        """Start every child, announce when all are ready, then keep them running until
        ``stop`` is set or none is left. Always stops the children before returning the
        launcher's exit code."""
        if stop.is_set():
            return EXIT_OK
        changed = asyncio.Event()
        children = [
            SupervisedChild(
                spec, self.printer, self.restart_policy, self.stop_timeout, on_change=changed.set
            )
            for spec in self.specs
        ]
        stopping = asyncio.Event()
        keepers: list[asyncio.Task[None]] = []
        # trust_env=False: an HTTP(S)_PROXY in the environment must not capture loopback polls.
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            try:
                for child in children:  # one by one: the start order is the logged order
                    await child.start()
                    keepers.append(asyncio.create_task(child.keep_running(client, stopping)))
                code = await self._watch(children, keepers, stop, changed)
            finally:
                stopping.set()  # each keeper stops its own process, then ends
                outcomes = await asyncio.gather(*keepers, return_exceptions=True)
                await _drain_output(children)
        for outcome in outcomes:
            if isinstance(outcome, Exception):  # a bug in a keeper, not to be lost
                raise outcome
        return code

    async def _watch(
        self,
        children: list[SupervisedChild],
        keepers: list[asyncio.Task[None]],
        stop: asyncio.Event,
        changed: asyncio.Event,
    ) -> int:
        loop = asyncio.get_running_loop()
        ready_deadline = loop.time() + self.ready_timeout
        announced = False
        known_given_up: list[str] = []
        while True:
            changed.clear()
            for keeper in keepers:
                if keeper.done():
                    keeper.result()  # a bug in a keeper raises here rather than hanging
            given_up = [child.name for child in children if child.given_up]
            if stop.is_set():
                return self._exit_code_after_stop(given_up)
            if len(given_up) == len(children):
                self.printer.say("every service was given up on; stopping")
                return EXIT_FAILED
            if given_up != known_given_up:
                known_given_up = given_up
                still_running = [child.name for child in children if not child.given_up]
                self.printer.say(
                    f"still running: {', '.join(still_running)}; "
                    f"crm up will exit {EXIT_FAILED} when stopped"
                )
            wait_at_most: float | None = None
            if not announced:
                if all(child.ready or child.given_up for child in children):
                    announced = True
                    self.on_ready(given_up)
                else:
                    wait_at_most = ready_deadline - loop.time()
                    if wait_at_most <= 0:
                        self._report_not_ready(children)
                        return EXIT_FAILED
            running = [keeper for keeper in keepers if not keeper.done()]
            await _first_of([stop.wait(), changed.wait()], running, wait_at_most)

    def _exit_code_after_stop(self, given_up: list[str]) -> int:
        if not given_up:
            return EXIT_OK
        self.printer.say(f"exit code {EXIT_FAILED}: gave up on {', '.join(given_up)} earlier")
        return EXIT_FAILED

    def _report_not_ready(self, children: list[SupervisedChild]) -> None:
        for child in children:
            if not (child.ready or child.given_up):
                self.printer.say(
                    f"{child.name} not ready after {self.ready_timeout:g}s "
                    f"(GET {child.spec.ready_url}: {child.readiness})"
                )
        self.printer.say("stopping everything")


async def _first_of(
    coroutines: list[Any], tasks: list[asyncio.Task[None]], at_most: float | None
) -> None:
    """Until one of ``coroutines`` or ``tasks`` finishes, or ``at_most`` seconds; cancels only
    the coroutines' tasks (``tasks`` belong to the caller)."""
    own = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        await asyncio.wait([*own, *tasks], timeout=at_most, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in own:
            task.cancel()


async def _drain_output(children: list[SupervisedChild]) -> None:
    """Let the children's last output lines through. Bounded: a grandchild that escaped the
    process group could keep a pipe open for ever."""
    outputs = [task for child in children for task in child.outputs]
    if not outputs:
        return
    _, pending = await asyncio.wait(outputs, timeout=2.0)
    for task in pending:
        task.cancel()


@contextlib.contextmanager
def stop_on_signals(printer: PrefixedPrinter) -> Iterator[asyncio.Event]:
    """Within the block, SIGINT and SIGTERM set the returned event instead of interrupting."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def request_stop(sig: signal.Signals) -> None:
        if not stop.is_set():
            printer.say(f"received {sig.name}; stopping")
        stop.set()

    handled = (signal.SIGINT, signal.SIGTERM)
    for sig in handled:
        loop.add_signal_handler(sig, request_stop, sig)
    try:
        yield stop
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)

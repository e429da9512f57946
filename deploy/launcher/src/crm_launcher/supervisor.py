"""Runs the services as child processes: start, wait until ready, watch, stop.

The rules, in one place:
- every child runs in its own session, so a Ctrl-C in the terminal reaches only the launcher,
  which then stops the children once, in order, with SIGTERM (uvicorn's graceful shutdown);
- a child that exits on its own, during start-up or later, is a failure: the launcher
  reports it, stops the others and exits non-zero;
- a child that ignores SIGTERM for ``stop_timeout`` seconds gets SIGKILL.
"""

import asyncio
import contextlib
import enum
import signal
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from crm_launcher.logs import PrefixedPrinter, pump_lines
from crm_launcher.processes import describe_exit, die_with_parent, signal_process_group

EXIT_OK = 0
EXIT_FAILED = 1
_OUTPUT_LINE_LIMIT = 1024 * 1024  # bytes per line before asyncio gives up on it
_READY_POLL_INTERVAL = 0.2


@dataclass(frozen=True)
class ChildSpec:
    """What to run and how to tell that it is ready (an HTTP GET answering 200)."""

    name: str
    command: Sequence[str]
    ready_url: str
    env: Mapping[str, str] | None = None  # None: inherit the launcher's environment


@dataclass
class _Child:
    spec: ChildSpec
    process: asyncio.subprocess.Process
    output: asyncio.Task[None]
    readiness: str = "not asked yet"  # the last /readyz answer, for the time-out message
    ready: bool = False


class _Wake(enum.Enum):
    STOP_REQUESTED = enum.auto()
    CHILD_EXITED = enum.auto()
    ALL_READY = enum.auto()
    TIMED_OUT = enum.auto()


@dataclass
class Supervisor:
    specs: Sequence[ChildSpec]
    printer: PrefixedPrinter
    ready_timeout: float = 60.0
    stop_timeout: float = 15.0
    on_ready: Callable[[], None] = lambda: None
    _children: list[_Child] = field(default_factory=list, init=False)

    async def run(self, stop: asyncio.Event) -> int:
        """Start every child, wait until all are ready, then until ``stop`` is set or a child
        exits. Always stops the children before returning the launcher's exit code."""
        try:
            return await self._run(stop)
        finally:
            await self._stop_children()

    async def _run(self, stop: asyncio.Event) -> int:
        if stop.is_set():
            return EXIT_OK
        try:
            for spec in self.specs:
                self._children.append(await self._spawn(spec))
        except OSError as exc:
            self.printer.say(f"could not start a service: {exc}")
            return EXIT_FAILED

        readiness = asyncio.create_task(self._wait_until_all_ready())
        wake, child = await self._wait_for_first(stop, readiness, give_up_after=self.ready_timeout)
        if wake is _Wake.TIMED_OUT:
            self._report_not_ready()
            return EXIT_FAILED
        if wake is _Wake.ALL_READY:
            readiness.result()  # a bug in the readiness check raises here, not "all ready"
            self.on_ready()
            wake, child = await self._wait_for_first(stop)
        if wake is _Wake.CHILD_EXITED and child is not None:
            phase = "after start-up" if child.ready else "during start-up"
            self.printer.say(
                f"{child.spec.name} stopped {phase} "
                f"({describe_exit(child.process.returncode or 0)}); stopping everything"
            )
            return EXIT_FAILED
        return EXIT_OK  # a stop was requested

    async def _spawn(self, spec: ChildSpec) -> _Child:
        process = await asyncio.create_subprocess_exec(
            *spec.command,
            env=dict(spec.env) if spec.env is not None else None,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            limit=_OUTPUT_LINE_LIMIT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        assert process.stdout is not None  # we asked for a pipe
        output = asyncio.create_task(pump_lines(spec.name, process.stdout, self.printer))
        self.printer.say(f"started {spec.name} (pid {process.pid})")
        return _Child(spec, process, output)

    async def _wait_for_first(
        self,
        stop: asyncio.Event,
        readiness: "asyncio.Task[None] | None" = None,
        give_up_after: float | None = None,
    ) -> tuple[_Wake, _Child | None]:
        """Sleep until a stop request, a child's exit, all-ready (if ``readiness`` is given)
        or ``give_up_after`` seconds, whichever comes first. A child's exit wins the ties."""
        stop_requested = asyncio.create_task(stop.wait())
        exits = {asyncio.create_task(child.process.wait()): child for child in self._children}
        waiting: set[asyncio.Future[Any]] = {stop_requested, *exits}
        if readiness is not None:
            waiting.add(readiness)
        try:
            done, _ = await asyncio.wait(
                waiting, timeout=give_up_after, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in waiting:
                task.cancel()
        for task, child in exits.items():
            if task in done:
                return _Wake.CHILD_EXITED, child
        if stop_requested in done:
            return _Wake.STOP_REQUESTED, None
        if readiness is not None and readiness in done:
            return _Wake.ALL_READY, None
        return _Wake.TIMED_OUT, None

    async def _wait_until_all_ready(self) -> None:
        # trust_env=False: an HTTP(S)_PROXY in the environment must not capture loopback polls.
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            await asyncio.gather(*(self._wait_until_ready(client, c) for c in self._children))

    async def _wait_until_ready(self, client: httpx.AsyncClient, child: _Child) -> None:
        while True:
            try:
                response = await client.get(child.spec.ready_url)
                child.readiness = f"HTTP {response.status_code}"
                if response.status_code == 200:
                    child.ready = True
                    self.printer.say(f"{child.spec.name} is ready")
                    return
            except httpx.HTTPError as exc:
                child.readiness = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            await asyncio.sleep(_READY_POLL_INTERVAL)

    def _report_not_ready(self) -> None:
        for child in self._children:
            if not child.ready:
                self.printer.say(
                    f"{child.spec.name} not ready after {self.ready_timeout:g}s "
                    f"(GET {child.spec.ready_url}: {child.readiness})"
                )
        self.printer.say("stopping everything")

    async def _stop_children(self) -> None:
        """SIGTERM to every child still running; SIGKILL to those still there after
        ``stop_timeout``; then let their last output lines through."""
        running = [c for c in self._children if c.process.returncode is None]
        for child in reversed(running):  # reverse start order
            signal_process_group(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in running:
            try:
                await asyncio.wait_for(child.process.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                self.printer.say(
                    f"{child.spec.name} ignored SIGTERM for {self.stop_timeout:g}s; killing it"
                )
                signal_process_group(child.process.pid, signal.SIGKILL)
                await child.process.wait()
        await self._drain_output()

    async def _drain_output(self) -> None:
        # A grandchild that escaped the process group could keep a pipe open for ever.
        outputs = [child.output for child in self._children]
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

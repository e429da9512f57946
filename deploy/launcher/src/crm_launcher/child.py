"""One service under supervision: started, polled until ready, started again after a crash
as the restart policy says, given up on when it keeps crashing, stopped on request.

Each child owns its process from spawn to stop, so no other task can signal a process that a
restart has just replaced, and a stop that lands during a restart still reaches the new one.
"""

import asyncio
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx

from crm_launcher.logs import PrefixedPrinter, pump_lines
from crm_launcher.processes import describe_exit, die_with_parent, signal_process_group
from crm_launcher.restart_policy import CrashHistory, GiveUp, RestartPolicy

_OUTPUT_LINE_LIMIT = 1024 * 1024  # bytes per line before asyncio gives up on it
_READY_POLL_INTERVAL = 0.2


@dataclass(frozen=True)
class ChildSpec:
    """What to run and how to tell that it is ready (an HTTP GET answering 200)."""

    name: str
    command: Sequence[str]
    ready_url: str
    env: Mapping[str, str] | None = None  # None: inherit the launcher's environment


class SupervisedChild:
    def __init__(
        self,
        spec: ChildSpec,
        printer: PrefixedPrinter,
        policy: RestartPolicy,
        stop_timeout: float,
        on_change: Callable[[], None],
    ) -> None:
        self.spec = spec
        self.printer = printer
        self.policy = policy
        self.stop_timeout = stop_timeout
        self.on_change = on_change  # called when ``ready`` or ``given_up`` changes
        self.ready = False
        self.given_up = False
        self.readiness = "not asked yet"  # the last /readyz answer, for the time-out message
        self.restarts = 0
        self.outputs: list[asyncio.Task[None]] = []  # one output pump per process started
        self._process: asyncio.subprocess.Process | None = None
        self._start_error: str | None = None
        self._crashes = CrashHistory(policy)

    @property
    def name(self) -> str:
        return self.spec.name

    async def start(self) -> None:
        """The first start. A failure to spawn is kept and handled as a crash once
        :meth:`keep_running` runs, like any later one."""
        await self._spawn()

    async def keep_running(self, client: httpx.AsyncClient, stopping: asyncio.Event) -> None:
        """Watch the child until ``stopping`` is set or it is given up on, restarting it after
        each crash; always ends with its process stopped."""
        try:
            while not stopping.is_set():
                failure = await self._watch(client, stopping)
                if failure is None or stopping.is_set():
                    return
                if not await self._back_off(failure, stopping):
                    return
                self.restarts += 1
                await self._spawn()
        finally:
            await self._terminate()

    # -- one life of the process -----------------------------------------------------------

    async def _spawn(self) -> None:
        self.outputs = [task for task in self.outputs if not task.done()]
        try:
            process = await asyncio.create_subprocess_exec(
                *self.spec.command,
                env=dict(self.spec.env) if self.spec.env is not None else None,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                limit=_OUTPUT_LINE_LIMIT,
                start_new_session=True,  # its own process group: a terminal Ctrl-C is ours
                preexec_fn=die_with_parent,
            )
        except OSError as exc:
            self._process, self._start_error = None, f"could not be started ({exc})"
            return
        self._process, self._start_error = process, None
        assert process.stdout is not None  # we asked for a pipe
        self.outputs.append(
            asyncio.create_task(pump_lines(self.name, process.stdout, self.printer))
        )
        verb = "restarted" if self.restarts else "started"
        self.printer.say(f"{verb} {self.name} (pid {process.pid})")

    async def _watch(self, client: httpx.AsyncClient, stopping: asyncio.Event) -> str | None:
        """Until the process exits (returns how, for the log) or ``stopping`` (returns None),
        polling /readyz meanwhile."""
        process = self._process
        if process is None:
            return self._start_error or "could not be started"
        polling = asyncio.create_task(self._poll_readiness(client))
        exited = asyncio.create_task(process.wait())
        stop_requested = asyncio.create_task(stopping.wait())
        try:
            await asyncio.wait({exited, stop_requested}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (polling, exited, stop_requested):
                task.cancel()
        if polling.done() and not polling.cancelled():
            polling.result()  # a bug in the readiness check raises here, not "ready"
        if process.returncode is None:
            return None
        self._set_ready(False)
        return describe_exit(process.returncode)

    async def _poll_readiness(self, client: httpx.AsyncClient) -> None:
        while True:
            try:
                response = await client.get(self.spec.ready_url)
                self.readiness = f"HTTP {response.status_code}"
                if response.status_code == 200:
                    again = " again" if self.restarts else ""
                    self.printer.say(f"{self.name} is ready{again}")
                    self._set_ready(True)
                    return
            except httpx.HTTPError as exc:
                self.readiness = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            await asyncio.sleep(_READY_POLL_INTERVAL)

    async def _back_off(self, failure: str, stopping: asyncio.Event) -> bool:
        """Report the crash and wait before the restart; False when there is to be none
        (given up on, or a stop came during the wait)."""
        decision = self._crashes.record_crash(time.monotonic())
        if isinstance(decision, GiveUp):
            self.printer.say(
                f"giving up on {self.name}: {self.policy.give_up_note(decision)} (last: {failure})"
            )
            self.given_up = True
            self.on_change()
            return False
        self.readiness = f"crashed ({failure}), restart {decision.attempt} due"
        self.printer.say(f"{self.name} crashed ({failure}); {self.policy.restart_note(decision)}")
        return not await event_within(stopping, decision.delay)

    def _set_ready(self, ready: bool) -> None:
        if ready != self.ready:
            self.ready = ready
            self.on_change()

    async def _terminate(self) -> None:
        """SIGTERM (uvicorn's graceful shutdown), then SIGKILL after ``stop_timeout``."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        signal_process_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), self.stop_timeout)
        except TimeoutError:
            self.printer.say(f"{self.name} ignored SIGTERM for {self.stop_timeout:g}s; killing it")
            signal_process_group(process.pid, signal.SIGKILL)
            await process.wait()


async def event_within(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``event``; True if it was set."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True

"""Keeps the bundled broker running under ``crm up``: a broker that dies is started again after
a back-off (the same restart policy as the services) and its topics are created again, since
memory-only Tansu forgets them. The services ride this out: their relays and consumers retry,
and each relay publishes its kept outbox again once it sees the broker lost its state.

A broker that keeps dying is given up on, and that stops everything: no service works without
it. The launcher then exits 1.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

from crm_launcher.broker import BrokerError, BundledBroker
from crm_launcher.child import event_within
from crm_launcher.logs import PrefixedPrinter
from crm_launcher.processes import describe_exit
from crm_launcher.restart_policy import CrashHistory, GiveUp, RestartPolicy

# Tansu is a Popen child, not an asyncio one: its exit is noticed by polling.
_EXIT_POLL_INTERVAL = 0.2


class BrokerKeeper:
    def __init__(
        self,
        broker: BundledBroker,
        policy: RestartPolicy,
        printer: PrefixedPrinter,
        after_restart: Callable[[], Awaitable[object]],
    ) -> None:
        self.broker = broker
        self.policy = policy
        self.printer = printer
        self.after_restart = after_restart  # e.g. create the topics again
        self.gave_up = False
        self._crashes = CrashHistory(policy)

    async def keep_running(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set; sets it when giving up on the broker."""
        failure = await self._until_exit(stop)
        while failure is not None:
            if not await self._back_off(failure, stop):
                return
            failure = await self._restart()
            if failure is None:
                failure = await self._until_exit(stop)

    async def _until_exit(self, stop: asyncio.Event) -> str | None:
        """How the broker ended, or None once ``stop`` is set."""
        while self.broker.running:
            if await event_within(stop, _EXIT_POLL_INTERVAL):
                return None
        return describe_exit(self.broker.exit_code or 0)

    async def _back_off(self, failure: str, stop: asyncio.Event) -> bool:
        decision = self._crashes.record_crash(time.monotonic())
        if isinstance(decision, GiveUp):
            self.printer.say(
                f"giving up on the bundled broker: {self.policy.give_up_note(decision)} "
                f"(last: {failure}); stopping everything"
            )
            self.gave_up = True
            stop.set()
            return False
        self.printer.say(
            f"the bundled broker crashed ({failure}); {self.policy.restart_note(decision)}"
        )
        return not await event_within(stop, decision.delay)

    async def _restart(self) -> str | None:
        """None once the broker is back and its topics exist again; else what went wrong."""
        self.broker.stop()  # reaps the dead process; it signals nobody
        try:
            await self.broker.start_async()
        except BrokerError as exc:
            return f"could not be started again: {exc}"
        self.printer.say(f"restarted the bundled broker (pid {self.broker.pid}), empty")
        await self.after_restart()
        return None

"""Running `crm up` as a real process for end-to-end tests: the launcher, the processes it
started, and what every such test checks at the end (Ctrl-C stops them all, ports freed)."""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from crm_launcher.broker import free_ports, port_is_free
from crm_launcher.token import fetch_token

from tests.helpers import wait_for
from tests.integration.platform import SERVICES, unique_person
from tests.launcher.harness import is_running

HOST = "127.0.0.1"


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children of every thread, recursively)."""
    found: list[int] = []
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                for child in (task / "children").read_text().split():
                    found += [int(child), *descendants(int(child))]
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


@dataclass
class Launcher:
    process: asyncio.subprocess.Process
    ports: dict[str, int]
    broker_port: int
    env: dict[str, str] = field(default_factory=dict)
    data_dir: Path = Path()
    lines: list[str] = field(default_factory=list)
    reader: "asyncio.Task[None] | None" = None
    children: dict[int, str] = field(default_factory=dict)  # pid -> its command line

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def current_children(self) -> dict[int, str]:
        """The launcher's live descendants now: pid -> command line."""
        return {pid: command_line(pid) for pid in descendants(self.process.pid)}

    async def wait_for_line(self, text: str, *, after: int, within: float) -> None:
        """Until a line printed after the first ``after`` lines contains ``text``."""
        await wait_for(
            lambda: any(text in line for line in self.lines[after:]),
            timeout=within,
            interval=0.1,
            message=f"{text!r} after line {after} in:\n{self.output}",
        )

    @contextlib.asynccontextmanager
    async def client(self, role: str = "admin", **who: Any) -> AsyncIterator[httpx.AsyncClient]:
        """An HTTP client with a real token of ``role`` from the identity service it runs
        (as `crm token` gets one; ``who``: its ``user``, ``team``, ``manager`` options)."""
        token = await fetch_token(self.env, self.data_dir, role, **who)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=10, headers=headers) as http:
            yield http

    def url(self, service: str, path: str) -> str:
        return f"http://{HOST}:{self.ports[service]}{path}"

    async def wait_for_output(self, text: str, within: float) -> None:
        ended = lambda: self.reader is not None and self.reader.done()  # noqa: E731
        try:
            await wait_for(lambda: text in self.output or ended(), timeout=within, interval=0.1)
        except AssertionError:
            raise AssertionError(f"no {text!r} after {within}s in:\n{self.output}") from None
        assert text in self.output, f"the launcher ended without {text!r}:\n{self.output}"

    async def kill_everything(self) -> None:
        """Clean-up after a failed test: nothing may outlive it. Only processes that are
        still the ones the launcher started (same pid, same command line) are killed."""
        known = dict(self.children)
        if self.process.returncode is None:
            known.update({pid: command_line(pid) for pid in descendants(self.process.pid)})
            self.process.kill()
            await self.process.wait()
        for pid, command in known.items():
            if command and is_running(pid) and command_line(pid) == command:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader


async def _collect_lines(stream: asyncio.StreamReader, lines: list[str]) -> None:
    async for raw in stream:
        lines.append(raw.decode(errors="replace").rstrip("\n"))


@contextlib.asynccontextmanager
async def running_launcher(tmp_path: Path) -> AsyncIterator[Launcher]:
    # Distinct ports: the broker once got the port just picked for a service.
    started = ("console", *SERVICES, "identity")
    *service_ports, broker_port, mail_port, sms_port = free_ports(len(started) + 3)
    ports = dict(zip(started, service_ports, strict=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(
        NO_COLOR="1",
        CRM_HOST=HOST,
        CRM_DATA_DIR=str(tmp_path / "var"),
        CRM_BROKER_PORT=str(broker_port),
        # marketing's development sinks, off the default ports another run may hold.
        CRM_MAIL_CATCHER_PORT=str(mail_port),
        CRM_SMS_SINK_PORT=str(sms_port),
        CRM_LOG_JSON="false",
        # A quick bus, as in the in-process tests (the first group join waits about half
        # the session time-out on this broker).
        CRM_KAFKA_SESSION_TIMEOUT_MS="2000",
        CRM_RELAY_IDLE_POLL_SECONDS="0.2",
        CRM_RELAY_MAX_BACKOFF_SECONDS="1",
        CRM_CONSUMER_MAX_BACKOFF_SECONDS="1",
        # Several writers and pollers share one admin token: far more than a person's
        # 600 a minute (the limits themselves are tested in tests/security).
        CRM_RATE_LIMIT_PER_MINUTE="1000000",
    )
    env.update({f"CRM_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "crm_launcher", "up", "--ready-timeout", "90"),
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    running = Launcher(process, ports, broker_port, env=env, data_dir=tmp_path / "var")
    assert process.stdout is not None
    running.reader = asyncio.create_task(_collect_lines(process.stdout, running.lines))
    try:
        yield running
    finally:
        await running.kill_everything()


def child_running(launcher: Launcher, command_part: str) -> int:
    """The pid of the launcher's live child whose command line contains ``command_part``."""
    pids = [
        pid
        for pid in descendants(launcher.process.pid)
        if command_part in command_line(pid) and is_running(pid)
    ]
    assert len(pids) == 1, (command_part, pids)
    return pids[0]


async def create_customers(
    http: httpx.AsyncClient, launcher: Launcher, count: int
) -> list[tuple[str, dict[str, Any]]]:
    """``count`` new customers: (id, what was sent) each."""
    created = []
    for _ in range(count):
        person = unique_person("Launch")
        response = await http.post(launcher.url("customer", "/v1/customers"), json=person)
        assert response.status_code == 201, response.text
        created.append((response.json()["id"], person))
    return created


async def wait_until_in_the_views(
    http: httpx.AsyncClient,
    launcher: Launcher,
    created: list[tuple[str, dict[str, Any]]],
    within: float,
) -> None:
    """Until every customer is in the sales view and has an analytics profile."""

    async def everywhere() -> bool:
        for customer_id, person in created:
            for url in (
                launcher.url("sales", f"/v1/customers/{customer_id}"),
                launcher.url("analytics", f"/v1/profiles/{customer_id}"),
            ):
                response = await http.get(url)
                if response.status_code != 200:
                    return False
                body: dict[str, Any] = response.json()
                if body["name"] != person["name"]:
                    return False
        return True

    try:
        await wait_for(everywhere, timeout=within, interval=0.2)
    except AssertionError:
        ids = [customer_id for customer_id, _ in created]
        raise AssertionError(
            f"customers {ids} not in the sales view and the analytics profile; "
            f"launcher output:\n{launcher.output}"
        ) from None


async def stop_with_sigint_and_check_everything_ended(launcher: Launcher) -> None:
    launcher.process.send_signal(signal.SIGINT)
    try:
        code = await asyncio.wait_for(launcher.process.wait(), 45)
    except TimeoutError:
        raise AssertionError(f"the launcher ignored SIGINT:\n{launcher.output}") from None
    assert code == 0, launcher.output
    assert "received SIGINT" in launcher.output
    assert "stopped the bundled broker" in launcher.output

    await wait_for(
        lambda: not any(is_running(pid) for pid in launcher.children),
        timeout=10,
        message=f"every child to end: {[(p, command_line(p)) for p in launcher.children]}",
    )
    for name, port in [*launcher.ports.items(), ("broker", launcher.broker_port)]:
        assert port_is_free(HOST, port), f"{name} still holds port {port}"

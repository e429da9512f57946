"""Runs the real launcher (``python -m crm_launcher up``) against stand-in services.

Each stand-in is ``standin_service.py`` copied into a package ``crm_<name>`` in a temporary
folder that comes first on PYTHONPATH, so the launcher's ``python -m crm_<name>`` finds it
before the real service.
"""

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_launcher.broker import free_ports

from tests.helpers import wait_for

STANDIN_SOURCE = Path(__file__).with_name("standin_service.py")

# Restarts within milliseconds, so the tests wait for events and not for back-off; a test
# that is about the delay itself passes its own values.
QUICK_RESTARTS = {
    "CRM_LAUNCHER_BACKOFF_BASE_SECONDS": "0.01",
    "CRM_LAUNCHER_BACKOFF_MAX_SECONDS": "0.05",
}


def is_running(pid: int) -> bool:
    """True while ``pid`` is a live process (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state != "Z"


@dataclass
class RunningLauncher:
    process: asyncio.subprocess.Process
    env: dict[str, str]
    standin_dir: Path
    lines: list[str] = field(default_factory=list)
    reader: "asyncio.Task[None] | None" = None

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def wait_for_output(self, text: str, within: float = 20.0) -> None:
        """Until the launcher prints ``text``; fails at once if it exits without doing so."""
        try:
            await wait_for(lambda: text in self.output or self._output_ended(), within)
        except AssertionError:
            raise AssertionError(f"no {text!r} after {within}s in:\n{self.output}") from None
        assert text in self.output, f"launcher ended without printing {text!r}:\n{self.output}"

    def _output_ended(self) -> bool:
        return self.reader is not None and self.reader.done()

    def send(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    async def exit_code(self, within: float = 20.0) -> int:
        try:
            code = await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            raise AssertionError(
                f"launcher still running after {within}s:\n{self.output}"
            ) from None
        if self.reader is not None:
            await self.reader
        return code

    def child_record(self, name: str) -> dict[str, Any]:
        """What the stand-in ``name`` wrote at start: its pid and its CRM_* environment."""
        record: dict[str, Any] = json.loads((self.standin_dir / f"{name}.json").read_text())
        return record

    def child_pids(self) -> list[int]:
        """Every stand-in process ever started, restarts included."""
        return [int(pid) for p in self.standin_dir.glob("*.pids") for pid in p.read_text().split()]

    def pids_of(self, name: str) -> list[int]:
        """The processes of stand-in ``name``, in start order."""
        pids = self.standin_dir / f"{name}.pids"
        return [int(pid) for pid in pids.read_text().split()] if pids.exists() else []

    async def kill_everything(self) -> None:
        """Test clean-up: whatever a failed test left running."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        for pid in self.child_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class LauncherFactory:
    def __init__(self, tmp_path: Path, kafka_bootstrap: str) -> None:
        self.tmp_path = tmp_path
        self.kafka_bootstrap = kafka_bootstrap
        self.started: list[RunningLauncher] = []

    async def start(
        self,
        behaviours: dict[str, str],
        *args: str,
        bundled_broker_port: int | None = None,
        settings: dict[str, str] | None = None,
    ) -> RunningLauncher:
        """Run ``crm up --services <names> <args>``; ``behaviours`` maps each service to its
        stand-in behaviour. With ``bundled_broker_port`` the launcher starts its own broker
        there, otherwise it uses the session's broker. ``settings``: more environment
        variables, over :data:`QUICK_RESTARTS`."""
        standin_dir = self.tmp_path / "standins"
        standin_dir.mkdir(exist_ok=True)
        for name in behaviours:
            package = standin_dir / f"crm_{name}"
            package.mkdir(exist_ok=True)
            (package / "__init__.py").touch()  # a namespace package would lose to the real one
            shutil.copy(STANDIN_SOURCE, package / "__main__.py")
        env = self._environment(behaviours, standin_dir, bundled_broker_port)
        env.update(settings or {})
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "crm_launcher", "up", "--services", ",".join(behaviours)),
            *args,
            env=env,
            cwd=self.tmp_path,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        launcher = RunningLauncher(process, env, standin_dir)
        assert process.stdout is not None
        launcher.reader = asyncio.create_task(_collect_lines(process.stdout, launcher.lines))
        self.started.append(launcher)
        return launcher

    def _environment(
        self, behaviours: dict[str, str], standin_dir: Path, bundled_broker_port: int | None
    ) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "STANDIN_"))}
        # The stand-ins first, then whatever the caller's PYTHONPATH adds.
        inherited = [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []
        env.update(
            PYTHONPATH=os.pathsep.join([str(standin_dir), *inherited]),
            NO_COLOR="1",
            STANDIN_DIR=str(standin_dir),
            CRM_HOST="127.0.0.1",
            CRM_DATA_DIR=str(self.tmp_path / "var"),
            **QUICK_RESTARTS,
        )
        # Distinct ports, none the bundled broker's: free_port() twice may return one port.
        ports = iter(
            port for port in free_ports(len(behaviours) + 3) if port != bundled_broker_port
        )
        for name, behaviour in behaviours.items():
            env[f"CRM_{name.upper()}_PORT"] = str(next(ports))
            env[f"STANDIN_{name.upper()}"] = behaviour
        # marketing's development sinks, off the default ports another run may hold.
        env["CRM_MAIL_CATCHER_PORT"] = str(next(ports))
        env["CRM_SMS_SINK_PORT"] = str(next(ports))
        if bundled_broker_port is None:
            env["CRM_KAFKA_BOOTSTRAP"] = self.kafka_bootstrap
        else:
            env["CRM_BROKER_PORT"] = str(bundled_broker_port)
        return env

    async def clean_up(self) -> None:
        for launcher in self.started:
            await launcher.kill_everything()


async def _collect_lines(stream: asyncio.StreamReader, lines: list[str]) -> None:
    async for raw in stream:
        lines.append(raw.decode(errors="replace").rstrip("\n"))

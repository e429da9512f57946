"""`crm up` end to end with stand-in services: start-up, readiness, restarts after crashes,
giving up, shutdown."""

import asyncio
import os
import re
import signal
import sys

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from crm_launcher.broker import free_port, port_is_free
from crm_launcher.services import BACKEND_NAMES, CONSOLE, SERVICE_NAMES
from crm_shared.bus.topics import ALL_TOPICS

from tests.helpers import wait_for
from tests.launcher.harness import LauncherFactory, is_running

pytestmark = pytest.mark.e2e


async def assert_all_gone(pids: list[int]) -> None:
    assert pids, "no stand-in recorded its pid"
    await wait_for(
        lambda: not any(is_running(pid) for pid in pids),
        timeout=5,
        message=f"every child to be gone (still running: {[p for p in pids if is_running(p)]})",
    )


def bundled_broker_pid(output: str) -> int:
    return int(output.split("the bundled broker is up (pid ")[1].split(")")[0])


async def topics_exist(bootstrap: str) -> bool:
    try:
        return set(ALL_TOPICS) <= set(await list_topics(bootstrap))
    except KafkaError:
        return False


async def list_topics(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return await admin.list_topics()
    finally:
        await admin.close()


async def test_sigint_stops_every_service_and_exits_zero(
    launcher_factory: LauncherFactory, kafka_bootstrap: str
) -> None:
    launcher = await launcher_factory.start({"customer": "serve", "sales": "serve"})
    await launcher.wait_for_output("all services ready")

    # Each child's output behind its aligned name, then the table of URLs.
    assert "customer | customer: listening on port" in launcher.output
    assert "sales    | sales: listening on port" in launcher.output
    customer_port = launcher.env["CRM_CUSTOMER_PORT"]
    assert f"http://127.0.0.1:{customer_port}/docs" in launcher.output
    assert "sqlite+aiosqlite:///" in launcher.output
    # An external broker (CRM_KAFKA_BOOTSTRAP) is used as it is, with the topics created.
    child_env = launcher.child_record("customer")["env"]
    assert child_env["CRM_KAFKA_BOOTSTRAP"] == kafka_bootstrap
    assert "CRM_KAFKA_IDEMPOTENCE" not in child_env
    assert set(ALL_TOPICS) <= set(await list_topics(kafka_bootstrap))

    launcher.send(signal.SIGINT)
    assert await launcher.exit_code() == 0, launcher.output
    await assert_all_gone(launcher.child_pids())
    assert "received SIGINT" in launcher.output


async def test_the_ready_message_names_the_console_first_and_the_console_finds_every_service(
    launcher_factory: LauncherFactory,
) -> None:
    launcher = await launcher_factory.start(dict.fromkeys(SERVICE_NAMES, "serve"))
    await launcher.wait_for_output("all services ready")

    def url_of(name: str) -> str:
        return f"http://127.0.0.1:{launcher.env[f'CRM_{name.upper()}_PORT']}"

    # The table starts with the console, and the first URL the ready message names is its.
    rows = [line.split("|", 1)[-1].split() for line in launcher.lines]
    header = rows.index(["service", "URL", "docs", "database"])
    ready_message = "\n".join(launcher.lines[header:])
    assert re.findall(r"http://[0-9.]+:[0-9]+", ready_message)[0] == url_of(CONSOLE)
    assert [row[0] for row in rows[header + 1 : header + 1 + len(SERVICE_NAMES)]] == list(
        SERVICE_NAMES
    )
    assert SERVICE_NAMES[0] == CONSOLE
    assert f"the console: {url_of(CONSOLE)}  (open it in a browser)" in launcher.output
    assert "identity-admin-password" in launcher.output  # whom to sign in as
    # The console child is told where each service with a database listens.
    console_env = launcher.child_record(CONSOLE)["env"]
    for name in BACKEND_NAMES:
        assert console_env[f"CRM_CONSOLE_{name.upper()}_URL"] == url_of(name), name
    assert console_env[f"CRM_{CONSOLE.upper()}_PORT"] == launcher.env["CRM_CONSOLE_PORT"]

    launcher.send(signal.SIGINT)
    assert await launcher.exit_code() == 0, launcher.output
    await assert_all_gone(launcher.child_pids())


async def test_bundled_broker_serves_the_services_and_stops_with_them(
    launcher_factory: LauncherFactory,
) -> None:
    broker_port = free_port()
    launcher = await launcher_factory.start({"support": "serve"}, bundled_broker_port=broker_port)
    await launcher.wait_for_output("all services ready")

    child_env = launcher.child_record("support")["env"]
    assert child_env["CRM_KAFKA_BOOTSTRAP"] == f"127.0.0.1:{broker_port}"
    assert child_env["CRM_KAFKA_IDEMPOTENCE"] == "false"  # Tansu rejects the idempotent producer
    assert set(ALL_TOPICS) <= set(await list_topics(f"127.0.0.1:{broker_port}"))

    launcher.send(signal.SIGTERM)
    assert await launcher.exit_code() == 0, launcher.output
    await assert_all_gone(launcher.child_pids())
    assert port_is_free("127.0.0.1", broker_port), "the bundled broker outlived the launcher"


async def test_a_crashed_service_is_restarted_and_ready_again(
    launcher_factory: LauncherFactory,
) -> None:
    launcher = await launcher_factory.start({"customer": "serve", "support": "crash-after-ready:1"})
    await launcher.wait_for_output("support is ready again")

    # Said clearly: which service, how it ended, which attempt, how long the back-off.
    assert (
        "support crashed (exit code 4); restarting it in 0.01s (attempt 1 of 5 within 120s)"
        in launcher.output
    )
    first, second = launcher.pids_of("support")
    assert f"restarted support (pid {second})" in launcher.output
    assert not is_running(first)
    port = launcher.env["CRM_SUPPORT_PORT"]
    async with httpx.AsyncClient(trust_env=False) as http:
        assert (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    # The neighbour never noticed.
    assert launcher.pids_of("customer") == [launcher.child_record("customer")["pid"]]
    assert "customer crashed" not in launcher.output

    launcher.send(signal.SIGINT)
    assert await launcher.exit_code() == 0, launcher.output
    await assert_all_gone(launcher.child_pids())


async def test_a_service_that_keeps_crashing_is_given_up_on_while_the_others_run(
    launcher_factory: LauncherFactory,
) -> None:
    launcher = await launcher_factory.start(
        {"customer": "serve", "sales": "die"}, settings={"CRM_LAUNCHER_MAX_RESTARTS": "2"}
    )
    await launcher.wait_for_output("services ready, except sales (given up on)")

    assert "sales    | sales: cannot open the database" in launcher.output  # the child's reason
    for attempt in (1, 2):
        assert f"sales crashed (exit code 3); restarting it in 0.0{attempt}s " in launcher.output
    assert "giving up on sales: it crashed 3 times within 120s (last: exit code 3)" in (
        launcher.output
    )
    assert "still running: customer; crm up will exit 1 when stopped" in launcher.output
    assert len(launcher.pids_of("sales")) == 3  # the first start and two restarts
    (customer,) = launcher.pids_of("customer")
    assert is_running(customer)
    port = launcher.env["CRM_CUSTOMER_PORT"]
    async with httpx.AsyncClient(trust_env=False) as http:
        assert (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200

    # Ctrl-C still stops everything, and the exit code tells a script something was lost.
    launcher.send(signal.SIGINT)
    assert await launcher.exit_code() == 1, launcher.output
    assert "exit code 1: gave up on sales earlier" in launcher.output
    await assert_all_gone(launcher.child_pids())


async def test_the_launcher_exits_1_once_every_service_is_given_up_on(
    launcher_factory: LauncherFactory,
) -> None:
    launcher = await launcher_factory.start(
        {"sales": "die"}, settings={"CRM_LAUNCHER_MAX_RESTARTS": "1"}
    )

    assert await launcher.exit_code() == 1, launcher.output
    assert "giving up on sales: it crashed 2 times within 120s" in launcher.output
    assert "every service was given up on; stopping" in launcher.output
    assert "still running" not in launcher.output
    assert "all services ready" not in launcher.output
    await assert_all_gone(launcher.child_pids())


async def test_sigint_during_a_back_off_stops_at_once(launcher_factory: LauncherFactory) -> None:
    launcher = await launcher_factory.start(
        {"customer": "serve", "sales": "die"},
        settings={
            "CRM_LAUNCHER_BACKOFF_BASE_SECONDS": "600",
            "CRM_LAUNCHER_BACKOFF_MAX_SECONDS": "600",
        },
    )
    await launcher.wait_for_output("sales crashed (exit code 3); restarting it in 600s")

    launcher.send(signal.SIGINT)
    assert await launcher.exit_code(within=10) == 0, launcher.output
    assert len(launcher.pids_of("sales")) == 1, "restarted although a stop was requested"
    await assert_all_gone(launcher.child_pids())


async def test_a_crashed_bundled_broker_is_restarted_with_its_topics(
    launcher_factory: LauncherFactory,
) -> None:
    broker_port = free_port()
    bootstrap = f"127.0.0.1:{broker_port}"
    launcher = await launcher_factory.start({"sales": "serve"}, bundled_broker_port=broker_port)
    await launcher.wait_for_output("all services ready")
    first_broker = bundled_broker_pid(launcher.output)

    os.kill(first_broker, signal.SIGKILL)

    await launcher.wait_for_output("restarted the bundled broker")
    assert (
        "the bundled broker crashed (killed by SIGKILL); restarting it in 0.01s "
        "(attempt 1 of 5 within 120s)" in launcher.output
    )
    # Memory-only Tansu came back empty; the launcher created the topics again.
    await wait_for(
        lambda: topics_exist(bootstrap), timeout=20, message="the topics on the new broker"
    )
    second_broker = int(
        launcher.output.split("restarted the bundled broker (pid ")[1].split(")")[0]
    )
    assert second_broker != first_broker
    assert launcher.pids_of("sales") == [launcher.child_record("sales")["pid"]]

    launcher.send(signal.SIGINT)
    assert await launcher.exit_code() == 0, launcher.output
    await assert_all_gone(launcher.child_pids())
    assert not is_running(second_broker)
    assert port_is_free("127.0.0.1", broker_port), "the restarted broker outlived the launcher"


async def test_a_broker_that_keeps_crashing_stops_everything(
    launcher_factory: LauncherFactory,
) -> None:
    broker_port = free_port()
    launcher = await launcher_factory.start(
        {"sales": "serve"},
        bundled_broker_port=broker_port,
        settings={"CRM_LAUNCHER_MAX_RESTARTS": "0"},
    )
    await launcher.wait_for_output("all services ready")

    os.kill(bundled_broker_pid(launcher.output), signal.SIGKILL)

    assert await launcher.exit_code() == 1, launcher.output
    assert (
        "giving up on the bundled broker: it crashed once within 120s "
        "(last: killed by SIGKILL); stopping everything" in launcher.output
    )
    await assert_all_gone(launcher.child_pids())
    assert port_is_free("127.0.0.1", broker_port)


async def test_a_bad_restart_setting_is_a_usage_error() -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "crm_launcher", "up"),
        env={**os.environ, "CRM_LAUNCHER_MAX_RESTARTS": "many"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert b"CRM_LAUNCHER_MAX_RESTARTS must be a whole number, not 'many'" in stderr


async def test_a_service_ignoring_sigterm_is_killed_after_the_stop_timeout(
    launcher_factory: LauncherFactory,
) -> None:
    launcher = await launcher_factory.start({"marketing": "ignore-sigterm"}, "--stop-timeout", "1")
    await launcher.wait_for_output("all services ready")

    launcher.send(signal.SIGINT)
    assert await launcher.exit_code() == 0, launcher.output
    assert "marketing ignored SIGTERM for 1s; killing it" in launcher.output
    await assert_all_gone(launcher.child_pids())


async def test_a_service_never_ready_fails_after_the_ready_timeout(
    launcher_factory: LauncherFactory,
) -> None:
    launcher = await launcher_factory.start({"analytics": "never-ready"}, "--ready-timeout", "1")

    assert await launcher.exit_code() != 0, launcher.output
    port = launcher.env["CRM_ANALYTICS_PORT"]
    assert f"analytics not ready after 1s (GET http://127.0.0.1:{port}/readyz: HTTP 503)" in (
        launcher.output
    )
    await assert_all_gone(launcher.child_pids())


async def test_a_busy_broker_port_is_reported(
    launcher_factory: LauncherFactory, kafka_bootstrap: str
) -> None:
    busy_port = int(kafka_bootstrap.rsplit(":", 1)[1])  # the session broker holds it
    launcher = await launcher_factory.start({"customer": "serve"}, bundled_broker_port=busy_port)

    assert await launcher.exit_code() != 0, launcher.output
    assert "already in use" in launcher.output
    assert not (launcher.standin_dir / "customer.json").exists(), "no service should start"


async def test_an_unknown_service_is_a_usage_error() -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "crm_launcher", "up", "--services", "customer,billing"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert b"unknown service(s): billing" in stderr


async def test_topics_command_creates_and_lists_the_topics(kafka_bootstrap: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "crm_launcher", "topics"),
        env={"PATH": "/usr/bin:/bin", "CRM_KAFKA_BOOTSTRAP": kafka_bootstrap},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    stdout, _ = await process.communicate()
    assert process.returncode == 0, stdout.decode()
    for topic in ALL_TOPICS:
        assert f"  {topic} " in stdout.decode()


async def test_everything_dies_with_a_killed_launcher(launcher_factory: LauncherFactory) -> None:
    """SIGKILL gives the launcher no chance to clean up: the kernel's parent-death signal
    must still end the services and the bundled broker."""
    broker_port = free_port()
    launcher = await launcher_factory.start({"sales": "serve"}, bundled_broker_port=broker_port)
    await launcher.wait_for_output("all services ready")

    launcher.send(signal.SIGKILL)

    await assert_all_gone(launcher.child_pids())
    await wait_for(
        lambda: port_is_free("127.0.0.1", broker_port), timeout=5, message="the broker to exit"
    )

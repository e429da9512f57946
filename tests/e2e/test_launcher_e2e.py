"""`crm up` for real: the launcher starts the bundled broker, the console and the six real
services as processes, customers created over HTTP reach the other services through the broker, a
killed service or broker is started again, and Ctrl-C (SIGINT) stops every process the
launcher started."""

import os
import signal

import httpx
import jwt
import pytest
from crm_launcher.services import CONSOLE

from tests.e2e.launcher import (
    HOST,
    Launcher,
    child_running,
    command_line,
    create_customers,
    descendants,
    stop_with_sigint_and_check_everything_ended,
    wait_until_in_the_views,
)

pytestmark = pytest.mark.e2e


async def test_crm_up_runs_the_platform_and_sigint_stops_everything(launcher: Launcher) -> None:
    await launcher.wait_for_output("all services ready", within=120)

    # The URL table names every service on the port it was given; the console (pages, no
    # API docs) first, and the ready message points at it.
    for name, port in launcher.ports.items():
        if name == CONSOLE:
            assert f"the console: http://{HOST}:{port}  (open it" in launcher.output
        else:
            assert f"http://{HOST}:{port}/docs" in launcher.output, name
    assert f"Kafka: {HOST}:{launcher.broker_port} (bundled Tansu, memory-only)" in launcher.output

    # Eight processes: the console, the six services and the bundled broker.
    launcher.children = {pid: command_line(pid) for pid in descendants(launcher.process.pid)}
    commands = list(launcher.children.values())
    for name in launcher.ports:
        assert any(f"-m crm_{name}" in c for c in commands), (name, commands)
    assert any("tansu" in c for c in commands), commands

    async with launcher.client() as http:
        for name in launcher.ports:
            ready = await http.get(launcher.url(name, "/readyz"))
            assert ready.status_code == 200, (name, ready.text)
        # The console accepts the bearer token identity issued (its keys, its issuer).
        page = await http.get(launcher.url(CONSOLE, "/customers"))
        assert page.status_code == 200, page.text
        created = await create_customers(http, launcher, count=2)
        await wait_until_in_the_views(http, launcher, created, within=45)

    # A token the identity service issued is what every service accepts; none is 401.
    async with httpx.AsyncClient(timeout=10) as anonymous:
        refused = await anonymous.get(launcher.url("customer", "/v1/customers"))
        assert refused.status_code == 401
    async with launcher.client("analyst") as analyst:
        reading = await analyst.get(launcher.url("sales", f"/v1/customers/{created[0][0]}"))
        assert reading.status_code == 200, reading.text
        writing = await analyst.post(launcher.url("customer", "/v1/customers"), json={})
        assert writing.status_code == 403, writing.text
    # `crm token --role sales --user ann --team north --manager`: a rep who manages a team.
    async with launcher.client("sales", user="ann", team="north", manager=True) as ann:
        claims = jwt.decode(
            ann.headers["Authorization"].removeprefix("Bearer "),
            options={"verify_signature": False},
        )
        assert claims["role"] == "sales"
        assert claims["team"], claims

    await stop_with_sigint_and_check_everything_ended(launcher)


async def test_crm_up_restarts_a_killed_service_and_the_broker(launcher: Launcher) -> None:
    """kill -9 of a real service, then of the bundled broker: the launcher starts each again,
    and a customer created afterwards still reaches the views."""
    await launcher.wait_for_output("all services ready", within=120)
    launcher.children = {pid: command_line(pid) for pid in descendants(launcher.process.pid)}

    os.kill(child_running(launcher, "-m crm_sales"), signal.SIGKILL)
    await launcher.wait_for_output("sales crashed (killed by SIGKILL); restarting it in", 10)
    await launcher.wait_for_output("sales is ready again", within=90)

    os.kill(child_running(launcher, "tansu"), signal.SIGKILL)
    await launcher.wait_for_output("the bundled broker crashed (killed by SIGKILL)", 10)
    await launcher.wait_for_output("restarted the bundled broker", within=30)

    # The restarted processes are children too: the end of the test must see them gone.
    launcher.children |= {pid: command_line(pid) for pid in descendants(launcher.process.pid)}
    async with launcher.client() as http:
        created = await create_customers(http, launcher, count=1)
        await wait_until_in_the_views(http, launcher, created, within=90)

    assert "giving up" not in launcher.output
    await stop_with_sigint_and_check_everything_ended(launcher)

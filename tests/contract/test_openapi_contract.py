"""Every service keeps the word of its live OpenAPI document: Schemathesis, an independent
property-based API tester, runs every check (``--checks all``) against each service started
as a real HTTP server, with the stateful phase on, a fixed seed and 50 examples per
operation. Any finding fails the test, with Schemathesis's report (and its ``curl`` lines to
reproduce each finding) in the failure message.
"""

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from crm_launcher.broker import free_port
from crm_shared.testing import token_for
from crm_shared.testing.auth import ISSUER, signing_jwks

from tests.helpers import wait_for
from tests.integration.platform import SERVICES

CONFIG = Path(__file__).with_name("schemathesis.toml")
REPO = str(Path(__file__).parents[2])
SEED = 20261201
EXAMPLES_PER_OPERATION = 50
PHASES = "examples,coverage,fuzzing,stateful"


@contextlib.asynccontextmanager
async def started(service: str, tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / f'{service}.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env["CRM_DATA_DIR"] = str(tmp_path)
    # Thousands of requests with one token (and many token requests for one client id): the
    # limits are raised far out of reach, so the answers keep their RateLimit headers.
    env.update(
        CRM_RATE_LIMIT_PER_MINUTE="100000000",
        CRM_RATE_LIMIT_CLIENT_PER_MINUTE="100000000",
        CRM_IDENTITY_TOKEN_RATE_LIMIT_PER_MINUTE="100000000",
    )
    if service != "identity":  # the others check tokens of the test issuer, as in production
        keys = tmp_path / "jwks.json"
        keys.write_text(json.dumps(signing_jwks()))
        env.update(CRM_AUTH_ISSUER=ISSUER, CRM_AUTH_JWKS_URL=f"file://{keys}")
    log = (tmp_path / f"{service}.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tests.contract.serve", service, str(port), database_url),
        env=env,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            await wait_for(
                lambda: http.get(f"{url}/healthz"), timeout=60, ignore=(httpx.TransportError,)
            )
        yield url
    finally:
        process.terminate()
        await process.wait()
        log.close()


async def admin_token(url: str, data_dir: Path) -> str:
    """A token of the bootstrap admin (its password is generated into the data folder on a
    development machine), from the service's own token endpoint."""
    password = (data_dir / "identity-admin-password").read_text().strip()
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{url}/v1/oauth/token",
            data={"grant_type": "password", "username": "admin@localhost", "password": password},
        )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


# Analytics has 37 operations, a filter language among them: its run takes about six
# minutes on the development machine, over the suite's five-minute default.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("service", [*SERVICES, "identity"])
async def test_the_service_keeps_the_word_of_its_openapi(service: str, tmp_path: Path) -> None:
    async with started(service, tmp_path) as url:
        schemathesis = Path(sys.executable).with_name("schemathesis")
        # Identity's token from its own token endpoint; the others trust the test issuer.
        token = await admin_token(url, tmp_path) if service == "identity" else token_for("admin")
        run = await asyncio.create_subprocess_exec(
            *(str(schemathesis), "--config-file", str(CONFIG), "run", f"{url}/openapi.json"),
            *("--checks", "all", "--phases", PHASES, "--seed", str(SEED)),
            *("--max-examples", str(EXAMPLES_PER_OPERATION), "--workers", "1"),
            *("--no-color",),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
            env={
                **os.environ,
                "SCHEMATHESIS_HOOKS": "tests.contract.hooks",
                "PYTHONPATH": REPO,
                "CRM_CONTRACT_TOKEN": token,
            },
        )
        output, _ = await run.communicate()
        report = output.decode(errors="replace")
        server_log = (tmp_path / f"{service}.log").read_text(errors="replace")[-3000:]
        assert run.returncode == 0, f"{report}\n--- {service} log (tail) ---\n{server_log}"

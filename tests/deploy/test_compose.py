"""docker-compose.yml and the services' Dockerfiles, checked without a Docker engine."""

import asyncio
import fnmatch
import http.server
import json
import shlex
import sys
import threading
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
from crm_console.settings import UPSTREAMS
from crm_launcher.services import BACKEND_NAMES, CONSOLE, DEFAULT_PORTS, SERVICE_NAMES

from tests.deploy.manifests import (
    REPO,
    compose_given,
    console_settings_under,
    dockerfile_instructions,
    load_compose,
    settings_under,
    workspace_package_name,
)

INIT_SQL = REPO / "deploy" / "postgres" / "create-databases.sql"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def database_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres:postgres@postgres:5432/crm_{name}"


def test_kafka_runs_in_kraft_mode_with_a_healthcheck(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:3.9.0"
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft: no ZooKeeper
    assert "INTERNAL://kafka:9092" in kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])


def test_postgres_creates_one_database_per_service(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    mounted = [volume.split(":")[0] for volume in postgres["volumes"]]
    assert "./deploy/postgres/create-databases.sql" in mounted
    sql = INIT_SQL.read_text()
    for name in BACKEND_NAMES:
        assert f"CREATE DATABASE crm_{name};" in sql
    assert f"crm_{CONSOLE}" not in sql  # the console owns no data


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_is_built_from_its_dockerfile(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service["build"] == {"context": ".", "dockerfile": f"services/{name}/Dockerfile"}
    assert (REPO / service["build"]["dockerfile"]).is_file()
    assert service["image"] == f"crm-{name}:latest"


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_service_waits_for_healthy_kafka_and_postgres(compose: dict[str, Any], name: str) -> None:
    depends_on = compose["services"][name]["depends_on"]
    assert depends_on == {
        "kafka": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_listens_on_its_port(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    port = DEFAULT_PORTS[name]
    env = service["environment"]
    assert env["CRM_HOST"] == "0.0.0.0"
    assert env[f"CRM_{name.upper()}_PORT"] == str(port)
    assert service["ports"] == [f"{port}:{port}"]


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_service_environment(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    port = DEFAULT_PORTS[name]
    env = service["environment"]
    assert env["CRM_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env["CRM_KAFKA_IDEMPOTENCE"] == "true"  # real Kafka supports the idempotent producer
    assert env[f"CRM_{name.upper()}_DATABASE_URL"] == database_url(name)
    others = {key for key in env if key.endswith("DATABASE_URL") or "DATABASE_URL_" in key} - {
        f"CRM_{name.upper()}_DATABASE_URL"
    }
    assert not others, "a service must know only its own database"
    # The names are the ones the service reads (no deprecated one): it gets what compose says.
    # What compose asks the operator for (${VAR:?why}) is theirs to give.
    settings = settings_under(name, compose_given(env))
    assert (settings.port, settings.database_url) == (port, database_url(name))
    assert settings.kafka_bootstrap == "kafka:9092"


def test_console_calls_every_service_by_its_compose_name(compose: dict[str, Any]) -> None:
    env = compose["services"][CONSOLE]["environment"]
    settings = console_settings_under(compose_given(env))
    assert settings.port == DEFAULT_PORTS[CONSOLE]
    assert set(UPSTREAMS) == set(BACKEND_NAMES)
    for name, url in settings.upstream_urls().items():
        port = DEFAULT_PORTS[name]
        assert url == f"http://{name}:{port}", name  # the compose network's name for it
        assert compose["services"][name]["environment"][f"CRM_{name.upper()}_PORT"] == str(port)


def test_console_owns_no_data(compose: dict[str, Any]) -> None:
    """No database and no broker: only the services' HTTP APIs (and identity's keys)."""
    console = compose["services"][CONSOLE]
    assert not [key for key in console["environment"] if "DATABASE" in key or "KAFKA" in key]
    assert "volumes" not in console


def test_console_trusts_the_tokens_the_services_trust(compose: dict[str, Any]) -> None:
    console = console_settings_under(compose_given(compose["services"][CONSOLE]["environment"]))
    for name in BACKEND_NAMES:
        service = settings_under(name, compose_given(compose["services"][name]["environment"]))
        assert console.auth_issuer == service.auth_issuer, name
        assert console.auth_audience == service.auth_audience, name
        assert console.auth_jwks_url == service.auth_jwks_url, name


def test_console_signs_people_in_through_identity(compose: dict[str, Any]) -> None:
    """The console's sign-in is identity's password grant, off by default in production."""
    identity = compose["services"]["identity"]["environment"]
    settings = settings_under("identity", compose_given(identity))
    assert settings.password_grant_enabled  # type: ignore[attr-defined]


def test_console_cookies_follow_the_operators_tls(compose: dict[str, Any]) -> None:
    """Plain http://localhost:8000 by default, so not Secure-only unless the operator says so."""
    env = compose["services"][CONSOLE]["environment"]
    assert env["CRM_CONSOLE_SECURE_COOKIES"] == "${CRM_CONSOLE_SECURE_COOKIES:-false}"
    assert not console_settings_under(compose_given(env)).secure_cookies
    secure = dict(compose_given(env), CRM_CONSOLE_SECURE_COOKIES="true")
    assert console_settings_under(secure).secure_cookies


def test_console_starts_after_identity_is_healthy_and_the_services(
    compose: dict[str, Any],
) -> None:
    depends_on = compose["services"][CONSOLE]["depends_on"]
    assert depends_on["identity"] == {"condition": "service_healthy"}
    assert set(depends_on) == set(BACKEND_NAMES)  # no database, no broker of its own


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_healthcheck_asks_readyz_without_curl(compose: dict[str, Any], name: str) -> None:
    test = compose["services"][name]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]  # slim images have no curl
    assert f"http://127.0.0.1:{DEFAULT_PORTS[name]}/readyz" in test[3]


class _StatusHandler(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # the name http.server calls
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def readyz_server(request: pytest.FixtureRequest) -> Iterator[int]:
    """An HTTP server answering every GET with ``request.param``; yields its port."""
    handler = type("Handler", (_StatusHandler,), {"status": request.param})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("readyz_server", "healthy"), [(200, True), (503, False)], indirect=["readyz_server"]
)
async def test_service_healthcheck_command_really_works(
    compose: dict[str, Any], readyz_server: int, healthy: bool
) -> None:
    """Runs the customer healthcheck's Python one-liner against a stand-in /readyz."""
    code = compose["services"]["customer"]["healthcheck"]["test"][3]
    code = code.replace("127.0.0.1:8001", f"127.0.0.1:{readyz_server}")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stderr=asyncio.subprocess.DEVNULL
    )
    assert (await process.wait() == 0) is healthy


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_dockerfile_installs_and_runs_the_service(name: str) -> None:
    instructions = dockerfile_instructions(REPO / "services" / name / "Dockerfile")
    arguments = {
        keyword: [a for k, a in instructions if k == keyword] for keyword, _ in instructions
    }

    assert arguments["FROM"] == ["python:3.11-slim"]
    assert any(a.startswith("pip install") and "uv" in a for a in arguments["RUN"])
    package = workspace_package_name(REPO / "services" / name)
    assert package == f"crm-{name}"
    syncs = [shlex.split(a) for a in arguments["RUN"] if a.startswith("uv sync")]
    assert syncs, "no `uv sync` in the Dockerfile"
    for sync in syncs:
        assert {"--frozen", "--no-dev"} <= set(sync)
        assert sync[sync.index("--package") + 1] == package
    assert (REPO / "services" / name / "src" / f"crm_{name}" / "__init__.py").is_file()
    assert arguments["CMD"] == [f'["python", "-m", "crm_{name}"]']
    assert arguments["EXPOSE"] == [str(DEFAULT_PORTS[name])]
    assert arguments["USER"], "the service must not run as root"
    assert arguments["USER"][-1] not in ("root", "0"), "the service must not run as root"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_dockerfile_copies_only_what_exists(name: str) -> None:
    """Every COPY source is in the repository, and so in the (repository root) build context."""
    instructions = dockerfile_instructions(REPO / "services" / name / "Dockerfile")
    copies = [shlex.split(arguments) for keyword, arguments in instructions if keyword == "COPY"]
    assert copies
    for *sources, _destination in copies:
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    copied = {source for *sources, _ in copies for source in sources}
    workspace_members = ["shared", *(f"services/{n}" for n in SERVICE_NAMES), "deploy/launcher"]
    for member in workspace_members:  # uv reads every member to understand the workspace
        assert f"{member}/pyproject.toml" in copied


def test_keycloak_can_issue_the_peoples_tokens(compose: dict[str, Any]) -> None:
    """Optional (profile "keycloak"): the realm it imports puts into a person's access token
    what every service checks: the audience "crm" and the claims role and team."""
    keycloak = compose["services"]["keycloak"]
    assert keycloak["profiles"] == ["keycloak"]
    assert "--import-realm" in keycloak["command"]
    assert "./deploy/keycloak:/opt/keycloak/data/import:ro" in keycloak["volumes"]
    realm = json.loads((REPO / "deploy" / "keycloak" / "crm-realm.json").read_text())
    (console,) = realm["clients"]
    assert console["publicClient"]
    assert console["attributes"]["pkce.code.challenge.method"] == "S256"
    mappers = {m["protocolMapper"]: m for m in console["protocolMappers"]}
    assert mappers["oidc-audience-mapper"]["config"]["included.custom.audience"] == "crm"
    claims = {
        m["config"]["claim.name"]
        for m in console["protocolMappers"]
        if m["protocolMapper"] == "oidc-usermodel-attribute-mapper"
    }
    assert claims == {"role", "team"}
    # The console signs people in through identity, not Keycloak: the services check both.
    for name in BACKEND_NAMES:
        env = compose["services"][name]["environment"]
        assert "CRM_AUTH_PEOPLE_ISSUER" in env, name
        assert "CRM_AUTH_PEOPLE_JWKS_URL" in env, name


def test_marketing_sends_its_email_to_mailpit(compose: dict[str, Any]) -> None:
    mailpit = compose["services"]["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit:")
    assert mailpit["ports"] == ["1025:1025", "8025:8025"]
    env = compose["services"]["marketing"]["environment"]
    assert env["CRM_MARKETING_SMTP_URL"] == "${CRM_MARKETING_SMTP_URL:-smtp://mailpit:1025}"
    given = {key: str(value) for key, value in env.items() if not str(value).startswith("${")}
    given["CRM_MARKETING_SMTP_URL"] = "smtp://mailpit:1025"  # what compose gives by default
    settings = settings_under("marketing", given)
    assert settings.smtp_url.get_secret_value() == "smtp://mailpit:1025"  # type: ignore[attr-defined]


def test_console_image_carries_its_templates_and_static_files() -> None:
    """The console's pages need its templates and vendored scripts in the image: the build
    context keeps them (.dockerignore) and its wheel packs the whole package folder."""
    ignored = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    package = REPO / "services" / "console" / "src" / "crm_console"
    needed = [package / "templates" / "base.html", package / "static" / "vendor" / "htmx.min.js"]
    for path in needed:
        assert path.is_file(), path
        relative = path.relative_to(REPO)
        for pattern in ignored:
            assert not any(
                fnmatch.fnmatch(str(part), pattern.removeprefix("**/"))
                for part in (relative, *relative.parents, *relative.parts)
            ), f"{pattern} in .dockerignore drops {relative}"
    project = tomllib.loads((REPO / "services" / "console" / "pyproject.toml").read_text())
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["src/crm_console"]
    assert "exclude" not in wheel
    assert "only-include" not in wheel

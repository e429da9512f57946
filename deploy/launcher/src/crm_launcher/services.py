"""The platform's services and where each one listens, read from the same ``CRM_*`` variables
the services themselves read (so the launcher polls and prints what they really use)."""

import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from crm_shared.settings import DEPRECATED_VARIABLES, deprecated_service_variable, service_variable

# Name -> default port. The order is the start order and the order of the URL table.
DEFAULT_PORTS: dict[str, int] = {
    "console": 8000,
    "customer": 8001,
    "marketing": 8002,
    "sales": 8003,
    "support": 8004,
    "analytics": 8005,
    "identity": 8006,
}
SERVICE_NAMES: tuple[str, ...] = tuple(DEFAULT_PORTS)
# The operator console owns no data (no database, no topics): it calls the others' APIs.
CONSOLE = "console"
BACKEND_NAMES: tuple[str, ...] = tuple(name for name in SERVICE_NAMES if name != CONSOLE)

DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_TOPIC_PARTITIONS = 6
DEFAULT_DATA_DIR = "./var"


@dataclass(frozen=True)
class ServiceEndpoint:
    name: str
    host: str  # the address the service binds (CRM_HOST)
    port: int
    database_url: str

    @property
    def base_url(self) -> str:
        return f"http://{_reachable_host(self.host)}:{self.port}"

    @property
    def docs_url(self) -> str:
        return f"{self.base_url}/docs"

    @property
    def ready_url(self) -> str:
        return f"{self.base_url}/readyz"

    @property
    def command(self) -> tuple[str, ...]:
        # Each service package runs uvicorn itself when started as a module.
        return (sys.executable, "-m", f"crm_{self.name}")


def parse_service_list(text: str) -> tuple[str, ...]:
    """'customer, sales' -> ('customer', 'sales') in start order; unknown names are an error."""
    wanted = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(wanted - set(SERVICE_NAMES))
    if unknown:
        raise ValueError(
            f"unknown service(s): {', '.join(unknown)} (choose from {', '.join(SERVICE_NAMES)})"
        )
    if not wanted:
        raise ValueError("no service named")
    return tuple(name for name in SERVICE_NAMES if name in wanted)


def service_endpoint(name: str, env: Mapping[str, str], data_dir: Path) -> ServiceEndpoint:
    """Where ``name`` listens and its database: ``CRM_<SERVICE>_PORT``,
    ``CRM_<SERVICE>_DATABASE_URL`` (call :func:`adopt_deprecated_variables` first)."""
    default_database = "" if name == CONSOLE else f"sqlite+aiosqlite:///{data_dir / f'{name}.db'}"
    return ServiceEndpoint(
        name=name,
        host=env.get("CRM_HOST", "127.0.0.1"),
        port=int(env.get(service_variable(name, "port"), DEFAULT_PORTS[name])),
        database_url=env.get(service_variable(name, "database_url"), default_database),
    )


def adopt_deprecated_variables(env: MutableMapping[str, str]) -> list[str]:
    """Move the old ``CRM_PORT_<SERVICE>`` / ``CRM_DATABASE_URL_<SERVICE>`` to their new names
    in ``env`` (the children's environment), so the launcher and the services read the same
    value; the new name wins where both are set. Returns a warning per old name found."""
    warnings: list[str] = []
    for name in SERVICE_NAMES:
        for field in DEPRECATED_VARIABLES:
            old = deprecated_service_variable(name, field)
            if old is None or old not in env:
                continue
            value, current = env.pop(old), service_variable(name, field)
            if current in env:
                warnings.append(f"{old} is ignored: {current} is set")
            else:
                env[current] = value
                warnings.append(f"{old} is deprecated, set {current} instead")
    return warnings


def console_upstreams(env: Mapping[str, str], data_dir: Path) -> dict[str, str]:
    """``CRM_CONSOLE_<SERVICE>_URL`` for every backend service: where the console calls them."""
    return {
        f"CRM_CONSOLE_{name.upper()}_URL": service_endpoint(name, env, data_dir).base_url
        for name in BACKEND_NAMES
    }


def data_dir_from(env: Mapping[str, str], override: str | None = None) -> Path:
    """The data folder as an absolute path, so children and the URL table agree on it."""
    return Path(override or env.get("CRM_DATA_DIR", DEFAULT_DATA_DIR)).resolve()


def topic_partitions_from(env: Mapping[str, str]) -> int:
    return int(env.get("CRM_TOPIC_PARTITIONS", DEFAULT_TOPIC_PARTITIONS))


def kafka_bootstrap_from(env: Mapping[str, str]) -> str:
    return env.get("CRM_KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)


def _reachable_host(bind_host: str) -> str:
    # A service bound to every interface is reached through loopback.
    if bind_host in ("", "0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{bind_host}]" if ":" in bind_host else bind_host

"""Reading the deployment files the tests check: docker-compose.yml, Dockerfiles, k8s YAML."""

import base64
import importlib
import os
import re
import secrets
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from crm_console.settings import ConsoleSettings
from crm_shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
K8S_DIR = REPO / "deploy" / "k8s"


def load_compose() -> dict[str, Any]:
    """docker-compose.yml with its YAML anchors and merge keys (``<<:``) resolved."""
    compose: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return compose


def load_k8s_documents() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def workspace_package_name(member_dir: Path) -> str:
    project: dict[str, Any] = tomllib.loads((member_dir / "pyproject.toml").read_text())
    name: str = project["project"]["name"]
    return name


def settings_under(name: str, environment: Mapping[str, str]) -> ServiceSettings:
    """What ``crm_<name>`` reads in exactly ``environment`` (a deprecated name is an error)."""
    module = importlib.import_module(f"crm_{name}.settings")
    settings_class: type[ServiceSettings] = getattr(module, f"{name.capitalize()}Settings")
    with mock.patch.dict(os.environ, environment, clear=True), warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        return settings_class()


def compose_given(environment: Mapping[str, Any]) -> dict[str, str]:
    """What a compose service's environment gives when the operator sets nothing more:
    ``${VAR:-default}`` is its default, ``${VAR:?why}`` is the operator's to give."""
    given: dict[str, str] = {}
    for key, value in environment.items():
        text = str(value)
        default = re.fullmatch(r"\$\{\w+:-(.*)\}", text)
        if default:
            given[key] = default.group(1)
        elif text.startswith("${"):
            given[key] = operator_value(key)
        else:
            given[key] = text
    return given


def console_settings_under(environment: Mapping[str, str]) -> ConsoleSettings:
    """What the console reads in exactly ``environment``."""
    with mock.patch.dict(os.environ, environment, clear=True):
        return ConsoleSettings()


def operator_value(variable: str) -> str:
    """A value an operator could give a variable the deployment files leave to them (a
    ``${VAR:?...}`` in compose, a Secret's key in Kubernetes): a real key where the service
    checks the format (the identity service's secrets key), else any secret text."""
    if variable == "CRM_IDENTITY_SECRETS_KEYS":
        return base64.b64encode(secrets.token_bytes(32)).decode()  # openssl rand -base64 32
    return "an operator's secret value"

"""The Kubernetes manifests under deploy/k8s, checked without a cluster."""

from typing import Any

import pytest
import yaml
from crm_console.settings import UPSTREAMS
from crm_launcher.services import BACKEND_NAMES, CONSOLE, DEFAULT_PORTS, SERVICE_NAMES

from tests.deploy.manifests import (
    K8S_DIR,
    REPO,
    console_settings_under,
    load_compose,
    load_k8s_documents,
    operator_value,
    settings_under,
)


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    return load_k8s_documents()


def find(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def container_of(deployment: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    manifests = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == manifests


def test_common_settings(documents: list[dict[str, Any]]) -> None:
    data = find(documents, "ConfigMap", "crm-common")["data"]
    assert data["CRM_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert data["CRM_KAFKA_IDEMPOTENCE"] == "true"
    assert data["CRM_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_deployment_runs_the_compose_image_on_its_port(
    documents: list[dict[str, Any]], name: str
) -> None:
    deployment = find(documents, "Deployment", f"crm-{name}")
    container = container_of(deployment)
    assert container["image"] == load_compose()["services"][name]["image"]
    assert container["ports"] == [{"name": "http", "containerPort": DEFAULT_PORTS[name]}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= template_labels.items()
    # The image's user: the Dockerfile creates uid 10001 ("crm").
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001
    assert "--uid 10001" in (REPO / "services" / name / "Dockerfile").read_text()


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_deployment_environment(documents: list[dict[str, Any]], name: str) -> None:
    container = container_of(find(documents, "Deployment", f"crm-{name}"))
    assert container["envFrom"] == [{"configMapRef": {"name": "crm-common"}}]
    env = {item["name"]: item for item in container["env"]}
    assert env[f"CRM_{name.upper()}_PORT"]["value"] == str(DEFAULT_PORTS[name])
    secret_ref = env[f"CRM_{name.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    secret = find(documents, "Secret", secret_ref["name"])
    url = secret["stringData"][secret_ref["key"]]
    assert url.endswith(f"/crm_{name}")
    # The names are the ones the service reads (no deprecated one): it gets what the pod says.
    common = find(documents, "ConfigMap", container["envFrom"][0]["configMapRef"]["name"])
    pod_env = dict(common["data"])
    pod_env.update({key: item["value"] for key, item in env.items() if "value" in item})
    pod_env[f"CRM_{name.upper()}_DATABASE_URL"] = url
    # Secrets the operator creates (not shipped): any value a real one could have.
    for key, item in env.items():
        if "valueFrom" in item and key not in pod_env:
            pod_env[key] = operator_value(key)
    settings = settings_under(name, pod_env)
    assert (settings.port, settings.database_url) == (DEFAULT_PORTS[name], url)


def console_pod_environment(documents: list[dict[str, Any]]) -> dict[str, str]:
    """The console container's variables: the common ConfigMap's, then its own values."""
    container = container_of(find(documents, "Deployment", f"crm-{CONSOLE}"))
    assert container["envFrom"] == [{"configMapRef": {"name": "crm-common"}}]
    pod_env = dict(find(documents, "ConfigMap", "crm-common")["data"])
    for item in container["env"]:
        assert "valueFrom" not in item, "the console needs no secret (no database)"
        pod_env[item["name"]] = item["value"]
    return pod_env


def test_console_calls_every_service_at_its_kubernetes_service(
    documents: list[dict[str, Any]],
) -> None:
    settings = console_settings_under(console_pod_environment(documents))
    assert settings.port == DEFAULT_PORTS[CONSOLE]
    assert set(UPSTREAMS) == set(BACKEND_NAMES)
    for name, url in settings.upstream_urls().items():
        service = find(documents, "Service", f"crm-{name}")  # its cluster DNS name
        (port,) = service["spec"]["ports"]
        assert url == f"http://{service['metadata']['name']}:{port['port']}", name


def test_console_owns_no_data(documents: list[dict[str, Any]]) -> None:
    container = container_of(find(documents, "Deployment", f"crm-{CONSOLE}"))
    names = {item["name"] for item in container["env"]}
    assert not {name for name in names if "DATABASE" in name or "KAFKA" in name}
    secret = find(documents, "Secret", "crm-database-urls")
    assert set(secret["stringData"]) == set(BACKEND_NAMES)
    assert "volumeMounts" not in container


def test_console_trusts_the_tokens_the_services_trust(documents: list[dict[str, Any]]) -> None:
    common = find(documents, "ConfigMap", "crm-common")["data"]
    console = console_settings_under(console_pod_environment(documents))
    assert console.auth_issuer == common["CRM_AUTH_ISSUER"]
    assert console.auth_audience == common["CRM_AUTH_AUDIENCE"]
    assert console.auth_jwks_url == common["CRM_AUTH_JWKS_URL"]
    assert console.secure_cookies  # a cluster serves people over TLS (an Ingress)


def test_console_signs_people_in_through_identity(documents: list[dict[str, Any]]) -> None:
    """The console's sign-in is identity's password grant, off by default in production."""
    container = container_of(find(documents, "Deployment", "crm-identity"))
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["CRM_IDENTITY_ENVIRONMENT"] == "production"
    assert env["CRM_IDENTITY_PASSWORD_GRANT_ENABLED"] == "true"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_routes_its_port_to_the_pods(documents: list[dict[str, Any]], name: str) -> None:
    service = find(documents, "Service", f"crm-{name}")
    deployment = find(documents, "Deployment", f"crm-{name}")
    assert service["spec"]["ports"] == [
        {"name": "http", "port": DEFAULT_PORTS[name], "targetPort": "http"}
    ]
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= template_labels.items()

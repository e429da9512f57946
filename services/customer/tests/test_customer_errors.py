"""Services raise domain errors (``crm_shared.errors``) and know nothing of HTTP; the edge
answers each with its RFC 9457 problem: the same type, status and extension members."""

import ast
import uuid
from pathlib import Path

import httpx
import pytest
from crm_customer.customers import service as customers
from crm_customer.customers.models import Customer
from crm_shared.api.problems import PROBLEM_JSON, TYPE_BASE, problem_from
from crm_shared.errors import ConflictError, DomainError, PreconditionFailedError
from crm_shared.preconditions import ANY_VERSION, ExpectedVersion, check_version

from services.customer.tests.customer_api_helpers import create_customer, if_match

SOURCE = Path(__file__).parents[1] / "src" / "crm_customer"
HTTP_MODULES = {"routes.py", "web.py", "app.py"}


def problem(response: httpx.Response, status: int, code: str, path: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict = response.json()
    assert (body["type"], body["status"], body["instance"]) == (TYPE_BASE + code, status, path)
    assert body["title"]
    assert body["detail"]
    return body


def test_a_merged_record_refuses_change_with_a_domain_error() -> None:
    alias = Customer(id="c-2", status="merged", merged_into="c-1")
    with pytest.raises(ConflictError) as raised:
        customers.ensure_changeable(alias)
    assert (raised.value.code, raised.value.details) == ("customer-merged", {"merged_into": "c-1"})
    body = problem_from(raised.value).body("/v1/customers/c-2")
    assert (body["type"], body["status"], body["merged_into"]) == (
        TYPE_BASE + "customer-merged",
        409,
        "c-1",
    )


def test_versions_are_checked_without_http() -> None:
    check_version(ANY_VERSION, 3)
    check_version(ExpectedVersion(frozenset({2, 3})), 3)
    with pytest.raises(PreconditionFailedError) as stale:
        check_version(ExpectedVersion(frozenset({2})), 3)
    assert (stale.value.code, stale.value.details) == ("stale-version", {"current_etag": '"3"'})


def test_only_the_http_edge_imports_http() -> None:
    """Services, repositories, rules and models import neither crm_shared.api nor FastAPI."""
    offenders = []
    for path in SOURCE.rglob("*.py"):
        if path.name in HTTP_MODULES or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(SOURCE)}: {name}"
                for name in names
                if name.split(".")[0] in ("fastapi", "starlette")
                or name.startswith("crm_shared.api")
            ]
    assert offenders == []


async def test_domain_errors_become_their_problems(customer_client: httpx.AsyncClient) -> None:
    first = await create_customer(customer_client, email="ann@example.org")
    url = f"/v1/customers/{first['id']}"

    missing = f"/v1/customers/{uuid.uuid4()}"
    problem(await customer_client.get(missing), 404, "not-found", missing)

    strict = await customer_client.post(
        "/v1/customers?strict=true",
        json={"kind": "individual", "name": "Ann", "email": "ANN@example.org"},
    )
    body = problem(strict, 409, "duplicate-customer", "/v1/customers")
    assert body["duplicates"] == [{"id": first["id"], "matched_on": ["email"]}]

    bad_phone = await customer_client.patch(url, json={"phone": "12"}, headers={"If-Match": "*"})
    body = problem(bad_phone, 422, "validation-error", url)
    assert [e["location"] for e in body["errors"]] == ["body.phone"]

    problem(await customer_client.patch(url, json={"name": "B"}), 428, "if-match-required", url)
    stale = await customer_client.patch(url, json={"name": "B"}, headers={"If-Match": '"7"'})
    assert problem(stale, 412, "stale-version", url)["current_etag"] == '"1"'
    weak = await customer_client.patch(url, json={"name": "B"}, headers={"If-Match": 'W/"1"'})
    assert weak.headers["etag"] == '"2"'

    refused = await customer_client.post(
        f"{url}/lifecycle", json={"stage": "lost", "reason": "x"}, headers={"If-Match": "*"}
    )
    body = problem(refused, 409, "lifecycle-transition-refused", f"{url}/lifecycle")
    assert body["allowed"] == ["prospect", "customer"]

    survivor = await create_customer(customer_client, name="Survivor")
    page = (await customer_client.get("/v1/customers", params={"limit": 1})).json()
    other_sort = await customer_client.get(
        "/v1/customers", params={"cursor": page["next_cursor"], "sort": "name"}
    )
    problem(other_sort, 400, "invalid-cursor", "/v1/customers")

    survivor_url = f"/v1/customers/{survivor['id']}"
    await customer_client.post(
        f"{survivor_url}/merge",
        json={"duplicate_id": first["id"]},
        headers=await if_match(customer_client, survivor_url),
    )
    merged = await customer_client.patch(url, json={"name": "x"}, headers={"If-Match": "*"})
    assert problem(merged, 409, "customer-merged", url)["merged_into"] == survivor["id"]


def test_every_domain_error_the_service_raises_is_a_domain_error() -> None:
    """The errors the customer service defines for itself derive from DomainError."""
    from crm_customer.customers.search import InvalidCursorError

    assert issubclass(InvalidCursorError, DomainError)
    assert InvalidCursorError("x").status == 400

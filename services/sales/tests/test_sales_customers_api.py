"""The sales service: it migrates its own database and serves its view of the customers,
fed here through its own handlers with real contract events (no broker)."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from crm_sales.app import create_app
from crm_sales.handlers import handlers
from crm_sales.settings import SalesSettings
from crm_shared.contracts.customer import LifecycleStage
from crm_shared.events import IntegrationEvent
from crm_shared.views.testing import apply_events, created, erased, lifecycle_changed, merged
from fastapi import FastAPI

SERVED_FIELDS = frozenset(
    {
        "company",
        "credit_grade",
        "customer_version",
        "email",
        "id",
        "kind",
        "lifecycle_stage",
        "merged_into",
        "name",
        "operating_grade",
        "owner",
        "phone",
        "resolved_from",
        "status",
        "updated_at",
        "value_class",
    }
)
NOT_KEPT = ("tags", "consent")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = SalesSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/sales.db")
    application = create_app(settings, run_bus=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sales") as http:
        yield http


async def seed(app: FastAPI, *events: IntegrationEvent) -> None:
    await apply_events(app.state.runtime.unit_of_work, handlers, *events)


async def test_sales_serves_the_customer_fields_it_keeps(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app, created("c1", 1, name="Ada Ltd"))

    response = await client.get("/v1/customers/c1")

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert set(body) == SERVED_FIELDS
    assert not set(NOT_KEPT) & set(body)
    assert (body["id"], body["name"], body["kind"]) == ("c1", "Ada Ltd", "business")
    assert (body["status"], body["lifecycle_stage"]) == ("active", "prospect")
    assert (body["customer_version"], body["resolved_from"]) == (1, None)
    assert body["owner"] == "rep-7"
    assert (body["credit_grade"], body["operating_grade"]) == ("B", "grade_1")
    assert body["company"] == "Acme GmbH"
    assert body["value_class"] is None  # published by analytics later


async def test_sales_answers_404_for_an_unknown_customer(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/customers/nobody")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["instance"]) == (404, "/v1/customers/nobody")
    assert "nobody" in problem["detail"]


async def test_sales_resolves_a_merged_id_to_the_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(
        app,
        created("keep", 1, name="Ada"),
        created("dupe", 1, name="Ada twice"),
        merged("keep", "dupe", 2, name="Ada merged"),
    )

    response = await client.get("/v1/customers/dupe")

    assert response.status_code == 200
    assert response.headers["content-location"] == "/v1/customers/keep"
    body = response.json()
    assert (body["id"], body["name"], body["resolved_from"]) == ("keep", "Ada merged", "dupe")
    assert (body["status"], body["customer_version"]) == ("active", 2)


async def test_sales_serves_an_erased_customer_as_a_tombstone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app, created("c1", 1), erased("c1", 2), created("c1", 1))

    response = await client.get("/v1/customers/c1")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["customer_version"]) == ("c1", "erased", 2)
    personal = {"name", "email", "phone", "company", "tags", "consent", "owner"} & set(body)
    assert {field: body[field] for field in personal} == dict.fromkeys(personal)


async def test_sales_lists_customers_page_by_page_with_filters(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(
        app,
        *(created(f"c{n}", 1, name=f"Shop {n}") for n in range(1, 6)),
        created("x1", 1, name="Other Corp"),
        lifecycle_changed("c2", 2, LifecycleStage.CUSTOMER),
        lifecycle_changed("c4", 2, LifecycleStage.CUSTOMER),
        merged("c1", "c5", 2, name="Shop 1 and 5"),
        erased("c3", 2),
    )

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/customers", params=params)).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["c1", "c2", "c4", "x1"]  # the alias and the tombstone are not listed

    by_name = (await client.get("/v1/customers", params={"name": "SHOP"})).json()
    assert [item["id"] for item in by_name["items"]] == ["c1", "c2", "c4"]
    by_stage = (await client.get("/v1/customers", params={"stage": "customer"})).json()
    assert [item["id"] for item in by_stage["items"]] == ["c2", "c4"]
    assert set(by_stage["items"][0]) == SERVED_FIELDS
    aliases = (await client.get("/v1/customers", params={"status": "merged"})).json()
    assert [(item["id"], item["merged_into"]) for item in aliases["items"]] == [("c5", "c1")]

    bad = await client.get("/v1/customers", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"


def test_sales_settings_read_their_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://someone-else/db")
    monkeypatch.setenv("PORT", "9999")
    defaults = SalesSettings()
    assert defaults.port == 8003
    assert defaults.database_url.endswith("sales.db")

    monkeypatch.setenv("CRM_DATABASE_URL_SALES", "sqlite+aiosqlite:///elsewhere.db")
    monkeypatch.setenv("CRM_PORT_SALES", "18000")
    from_env = SalesSettings()
    assert (from_env.database_url, from_env.port) == ("sqlite+aiosqlite:///elsewhere.db", 18000)

    explicit = SalesSettings(database_url="sqlite+aiosqlite:///given.db", port=1234)
    assert (explicit.database_url, explicit.port) == ("sqlite+aiosqlite:///given.db", 1234)

"""Sales, support and marketing: each migrates its own database and serves its own view of
the customers, fed here through its own handlers with real contract events (no broker).

The three differ only in which customer fields they keep, so one table drives the tests."""

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import crm_marketing.app
import crm_marketing.handlers
import crm_sales.app
import crm_sales.handlers
import crm_support.app
import crm_support.handlers
import httpx
import pytest
from crm_marketing.settings import MarketingSettings
from crm_sales.settings import SalesSettings
from crm_shared.bus.handlers import HandlerMap
from crm_shared.contracts.customer import LifecycleStage
from crm_shared.events import IntegrationEvent
from crm_shared.settings import ServiceSettings
from crm_shared.testing import (
    PERSONAL,
    app_client,
    at,
    created,
    deliver,
    deliveries_of,
    envelope_of,
    erased,
    lifecycle_changed,
    merged,
    uid,
)
from crm_support.settings import SupportSettings
from fastapi import FastAPI

# Served by every view, whatever it keeps.
COMMON_FIELDS = frozenset(
    {"customer_version", "id", "kind", "lifecycle_stage", "merged_into", "name", "resolved_from"}
    | {"status", "updated_at"}
)


# What ``created(uid("c1"), ...)`` carries in its snapshot, for every optional field.
SNAPSHOT_VALUES: dict[str, Any] = {
    "email": PERSONAL["email"],
    "phone": PERSONAL["phone"],
    "company": PERSONAL["company"],
    "owner": "rep-7",
    "credit_grade": "B",
    "operating_grade": "grade_1",
    "value_class": None,  # published by analytics later
    "tags": PERSONAL["tags"],
    "consent": {"email": True, "sms": False},
    "external_id": None,  # the builders' snapshot names none
    "birth_date": PERSONAL["birth_date"],
    "postal_address": None,  # the builders' snapshot names no street
    "time_zone": None,
}


@dataclass(frozen=True)
class ViewService:
    name: str
    create_app: Callable[..., FastAPI]
    handlers: HandlerMap
    settings: type[ServiceSettings]
    default_port: int
    keeps: frozenset[str]

    def __str__(self) -> str:
        return self.name


SERVICES = [
    ViewService(
        "sales",
        crm_sales.app.create_app,
        crm_sales.handlers.handlers,
        SalesSettings,
        8003,
        frozenset(
            {"email", "phone", "company", "owner", "credit_grade", "operating_grade"}
            | {"value_class", "external_id"}  # the order import resolves customers by it
        ),
    ),
    ViewService(
        "support",
        crm_support.app.create_app,
        crm_support.handlers.handlers,
        SupportSettings,
        8004,
        # Tags: the master's "vip" tag makes a complaint major.
        frozenset({"email", "phone", "company", "credit_grade", "value_class", "tags"}),
    ),
    ViewService(
        "marketing",
        crm_marketing.app.create_app,
        crm_marketing.handlers.handlers,
        MarketingSettings,
        8002,
        frozenset(
            {"email", "phone", "tags", "consent", "owner", "credit_grade", "value_class"}
            | {"birth_date"}  # the birthday greetings
            | {"postal_address"}  # direct mail
            | {"time_zone"}  # quiet hours and greetings in the customer's zone
        ),
    ),
]


@pytest.fixture(params=SERVICES, ids=str)
def service(request: pytest.FixtureRequest) -> ViewService:
    chosen: ViewService = request.param
    return chosen


@pytest.fixture
async def app(service: ViewService, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = service.settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/{service}.db")
    application = service.create_app(settings, run_bus=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI, service: ViewService) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app, f"http://{service}") as http:
        yield http


@pytest.fixture
def seed(app: FastAPI, service: ViewService) -> Callable[..., Any]:
    async def apply(*events: IntegrationEvent) -> None:
        await deliver(app.state.runtime.unit_of_work, service.handlers, deliveries_of(*events))

    return apply


async def test_serves_exactly_the_customer_fields_it_keeps(
    service: ViewService, seed: Callable[..., Any], client: httpx.AsyncClient
) -> None:
    await seed(created(uid("c1"), 1, name="Ada Ltd"))

    response = await client.get(f"/v1/customers/{uid('c1')}")

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert set(body) == COMMON_FIELDS | service.keeps
    assert (body["id"], body["name"], body["kind"]) == (uid("c1"), "Ada Ltd", "individual")
    assert (body["status"], body["lifecycle_stage"]) == ("active", "prospect")
    assert (body["customer_version"], body["resolved_from"]) == (1, None)
    assert {field: body[field] for field in service.keeps} == {
        field: SNAPSHOT_VALUES[field] for field in service.keeps
    }


async def test_answers_404_for_an_unknown_customer(client: httpx.AsyncClient) -> None:
    unknown = str(uuid.uuid4())
    response = await client.get(f"/v1/customers/{unknown}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["instance"]) == (404, f"/v1/customers/{unknown}")
    assert unknown in problem["detail"]


async def test_answers_422_for_an_id_that_is_not_a_uuid(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/customers/nobody")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["location"] == "path.customer_id"


async def test_resolves_a_merged_id_to_the_survivor(
    seed: Callable[..., Any], client: httpx.AsyncClient
) -> None:
    await seed(
        created(uid("keep"), 1, name="Ada"),
        created(uid("dupe"), 1, name="Ada twice"),
        merged(uid("keep"), uid("dupe"), 2, name="Ada merged"),
    )

    response = await client.get(f"/v1/customers/{uid('dupe')}")

    assert response.status_code == 200
    assert response.headers["content-location"] == f"/v1/customers/{uid('keep')}"
    body = response.json()
    assert (body["id"], body["name"], body["resolved_from"]) == (
        uid("keep"),
        "Ada merged",
        uid("dupe"),
    )
    assert (body["status"], body["customer_version"]) == ("active", 2)


async def test_serves_an_erased_customer_as_a_tombstone(
    seed: Callable[..., Any], client: httpx.AsyncClient
) -> None:
    # The late "created" (version 1) must not bring the person back.
    await seed(created(uid("c1"), 1), erased(uid("c1"), 2), created(uid("c1"), 1))

    response = await client.get(f"/v1/customers/{uid('c1')}")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["customer_version"]) == (uid("c1"), "erased", 2)
    personal = {"name", "email", "phone", "company", "tags", "consent", "owner"} & set(body)
    assert {field: body[field] for field in personal} == dict.fromkeys(personal)


async def test_lists_customers_page_by_page_with_filters(
    service: ViewService, seed: Callable[..., Any], client: httpx.AsyncClient
) -> None:
    await seed(
        *(created(uid(f"c{n}"), 1, name=f"Shop {n}") for n in range(1, 6)),
        created(uid("x1"), 1, name="Other Corp"),
        lifecycle_changed(uid("c2"), 2, LifecycleStage.CUSTOMER),
        lifecycle_changed(uid("c4"), 2, LifecycleStage.CUSTOMER),
        merged(uid("c1"), uid("c5"), 2, name="Shop 1 and 5"),
        erased(uid("c3"), 2),
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
    assert seen == [
        uid("c1"),
        uid("c2"),
        uid("c4"),
        uid("x1"),
    ]  # the alias and the tombstone are not listed

    by_name = (await client.get("/v1/customers", params={"name": "SHOP"})).json()
    assert [item["id"] for item in by_name["items"]] == [uid("c1"), uid("c2"), uid("c4")]
    by_stage = (await client.get("/v1/customers", params={"stage": "customer"})).json()
    assert [item["id"] for item in by_stage["items"]] == [uid("c2"), uid("c4")]
    assert set(by_stage["items"][0]) == COMMON_FIELDS | service.keeps
    aliases = (await client.get("/v1/customers", params={"status": "merged"})).json()
    assert [(item["id"], item["merged_into"]) for item in aliases["items"]] == [
        (uid("c5"), uid("c1"))
    ]

    bad = await client.get("/v1/customers", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"


def test_settings_read_only_their_own_variables(
    service: ViewService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://someone-else/db")
    monkeypatch.setenv("PORT", "9999")
    defaults = service.settings()
    assert defaults.port == service.default_port
    assert defaults.database_url.endswith(f"{service}.db")

    upper = service.name.upper()
    monkeypatch.setenv(f"CRM_{upper}_DATABASE_URL", "sqlite+aiosqlite:///elsewhere.db")
    monkeypatch.setenv(f"CRM_{upper}_PORT", "18000")
    from_env = service.settings()
    assert (from_env.database_url, from_env.port) == ("sqlite+aiosqlite:///elsewhere.db", 18000)

    explicit = service.settings(database_url="sqlite+aiosqlite:///given.db", port=1234)
    assert (explicit.database_url, explicit.port) == ("sqlite+aiosqlite:///given.db", 1234)


async def test_counts_when_asked_and_lists_changes_oldest_first_for_a_sync(
    seed: Callable[..., Any], client: httpx.AsyncClient
) -> None:
    events = [
        envelope_of(created(uid("c1"), 1), time=at(1)),
        envelope_of(created(uid("c2"), 1), time=at(2)),
        envelope_of(created(uid("c3"), 1), time=at(3)),
        envelope_of(lifecycle_changed(uid("c1"), 2, LifecycleStage.CUSTOMER), time=at(4)),
    ]
    await seed(*events)

    counted = (await client.get("/v1/customers", params={"total": "true", "cursor": ""})).json()
    assert (counted["total"], len(counted["items"])) == (3, 3)
    assert (await client.get("/v1/customers")).json()["total"] is None

    seen: list[str] = []
    cursor = ""
    while True:
        params = {"updated_since": at(2).isoformat(), "limit": 1, "cursor": cursor}
        page = (await client.get("/v1/customers", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == [uid("c2"), uid("c3"), uid("c1")]  # c1 changed last
    unix_time = await client.get("/v1/customers", params={"updated_since": "0.5"})
    assert unix_time.status_code == 422

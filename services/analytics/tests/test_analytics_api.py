"""The analytics HTTP API: profile, timeline pagination, the profile list, settings."""

from typing import Any

import httpx
import pytest
from crm_analytics.settings import AnalyticsSettings
from crm_shared.contracts.customer import (
    ConsentChannel,
    CustomerKind,
    LifecycleStage,
)
from crm_shared.testing import (
    at,
    consent_changed,
    created,
    lifecycle_changed,
    merged,
    uid,
    updated,
)
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import TIMELINE_SIZE, deliver

# Customer ids (UUIDs, as the master issues them) named for the tests.
A, B, C1, NOBODY = uid("a"), uid("b"), uid("c1"), uid("nobody")
P1, P2, P3, P4 = uid("p1"), uid("p2"), uid("p3"), uid("p4")
P5 = uid("p5")

PROFILE_FIELDS = {
    "customer_id", "resolved_from", "merged_ids", "status", "version", "kind", "name",
    "email", "phone", "company", "owner", "source", "tags", "birth_date", "region", "city",
    "industry", "segmentation", "consent", "contacts", "lifecycle", "credit", "sales",
    "service", "marketing", "scores", "suggestions", "created_at", "updated_at", "erased_at",
    "timeline",
}  # fmt: skip


async def seed_history(app: FastAPI, customer_id: str, events: int) -> None:
    """A customer with ``events`` timeline rows; some share a time (ties break by id)."""
    await deliver(app, created(customer_id, 1), at(0))
    for version in range(2, events + 1):
        minute = version // 3  # three events per minute: equal times on purpose
        await deliver(
            app, consent_changed(customer_id, version, ConsentChannel.SMS, version % 2 == 0),
            at(minute),
        )  # fmt: skip


async def test_profile_has_every_section(app: FastAPI, client: httpx.AsyncClient) -> None:
    await deliver(app, created(C1, 1), at(0))

    response = await client.get(f"/v1/profiles/{C1}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert set(body["lifecycle"]) == {"stage", "history"}
    assert set(body["credit"]) == {"credit_grade", "operating_grade", "basis", "rated_at"}
    assert body["sales"] == {
        "orders": 0, "currency": None, "revenue": "0.00", "revenue_by_currency": {},
        "last_order_at": None, "open_opportunities": 0, "weighted_pipeline": "0.00",
        "weighted_pipeline_by_currency": {}, "outstanding": "0.00",
        "outstanding_by_currency": {}, "overdue_orders": 0,
    }  # fmt: skip
    assert body["service"] == {
        "tickets_open": 0, "tickets_total": 0, "complaints": 0, "major_complaints": 0,
        "breaches": 0, "last_ticket_at": None, "recovery_cost_by_currency": {}, "surveys": 0,
        "mean_score": None, "last_survey": None,
    }  # fmt: skip
    assert set(body["consent"]["email"]) == {"granted", "changed_at", "source"}
    assert set(body["timeline"]) == {"items", "next_cursor"}
    assert set(body["timeline"]["items"][0]) == {
        "event_id", "event_type", "occurred_at", "source_service", "summary", "subject_id", "data",
    }  # fmt: skip


async def test_unknown_profile_is_a_404_problem(client: httpx.AsyncClient) -> None:
    for path in (f"/v1/profiles/{NOBODY}", f"/v1/profiles/{NOBODY}/timeline"):
        response = await client.get(path)

        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 404
        assert NOBODY in problem["detail"]


async def test_timeline_pages_visit_every_entry_once_newest_first(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed_history(app, C1, 23)

    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"/v1/profiles/{C1}/timeline", params=params)).json()
        pages += 1
        assert len(page["items"]) <= 4
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 6
    ids = [entry["event_id"] for entry in seen]
    assert len(ids) == len(set(ids)) == 23
    keys = [(entry["occurred_at"], entry["event_id"]) for entry in seen]
    assert keys == sorted(keys, reverse=True)


async def test_profile_embeds_the_newest_entries_and_a_cursor_to_the_rest(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed_history(app, C1, 8)

    embedded = (await client.get(f"/v1/profiles/{C1}")).json()["timeline"]
    rest = (
        await client.get(
            f"/v1/profiles/{C1}/timeline",
            params={"cursor": embedded["next_cursor"], "limit": 50},
        )
    ).json()
    everything = (await client.get(f"/v1/profiles/{C1}/timeline", params={"limit": 50})).json()

    assert len(embedded["items"]) == TIMELINE_SIZE
    assert embedded["items"] + rest["items"] == everything["items"]
    assert rest["next_cursor"] is None


async def test_a_bad_cursor_is_a_400_problem(app: FastAPI, client: httpx.AsyncClient) -> None:
    await deliver(app, created(C1, 1), at(0))

    for cursor in ("not-a-cursor", "eyJ4IjoxfQ"):  # garbage, then valid base64 of {"x":1}
        response = await client.get(f"/v1/profiles/{C1}/timeline", params={"cursor": cursor})

        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"


async def test_an_alias_answers_with_the_survivor_and_says_so(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1), at(0))
    await deliver(app, created(B, 1), at(1))
    await deliver(app, merged(B, A, 2), at(2))

    response = await client.get(f"/v1/profiles/{A}/timeline")
    profile = await client.get(f"/v1/profiles/{A}")

    page = response.json()
    assert (page["customer_id"], page["resolved_from"], len(page["items"])) == (B, A, 3)
    assert response.headers["Content-Location"] == f"/v1/profiles/{B}/timeline"
    assert (profile.status_code, profile.json()["resolved_from"]) == (200, A)
    assert profile.headers["Content-Location"] == f"/v1/profiles/{B}"
    assert "Content-Location" not in (await client.get(f"/v1/profiles/{B}")).headers


async def seed_population(app: FastAPI) -> None:
    people = [
        (P1, CustomerKind.INDIVIDUAL, LifecycleStage.PROSPECT, ["vip"]),
        (P2, CustomerKind.BUSINESS, LifecycleStage.CUSTOMER, ["vip", "fair"]),
        (P3, CustomerKind.BUSINESS, LifecycleStage.PROSPECT, []),
        (P4, CustomerKind.INDIVIDUAL, LifecycleStage.CUSTOMER, ["fair"]),
        (P5, CustomerKind.PARTNER, LifecycleStage.POTENTIAL, ["vip"]),
    ]
    for customer_id, kind, stage, tags in people:
        await deliver(
            app, created(customer_id, 1, kind=kind, lifecycle_stage=stage, tags=tags), at(0)
        )


async def list_ids(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/v1/profiles", params=params)
    assert response.status_code == 200, response.text
    return [item["customer_id"] for item in response.json()["items"]]


async def test_list_filters_by_stage_kind_and_tag(app: FastAPI, client: httpx.AsyncClient) -> None:
    await seed_population(app)
    await deliver(app, lifecycle_changed(P3, 2, LifecycleStage.CUSTOMER), at(1))
    await deliver(app, updated(P1, 2, tags=["former-vip"]), at(1))

    assert await list_ids(client) == [P1, P2, P3, P4, P5]
    assert await list_ids(client, stage="customer") == [P2, P3, P4]
    assert await list_ids(client, kind="business") == [P2, P3]
    assert await list_ids(client, tag="vip") == [P2, P5]
    assert await list_ids(client, tag="vip", stage="potential") == [P5]
    assert await list_ids(client, status="active", kind="partner") == [P5]
    assert await list_ids(client, tag="nobody-has-this") == []


async def test_list_pages_with_a_cursor(app: FastAPI, client: httpx.AsyncClient) -> None:
    await seed_population(app)

    first = (await client.get("/v1/profiles", params={"limit": 2})).json()
    second = (
        await client.get("/v1/profiles", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    third = (
        await client.get("/v1/profiles", params={"limit": 2, "cursor": second["next_cursor"]})
    ).json()

    pages = [[item["customer_id"] for item in page["items"]] for page in (first, second, third)]
    assert pages == [[P1, P2], [P3, P4], [P5]]
    assert third["next_cursor"] is None
    assert set(first["items"][0]) >= {"customer_id", "name", "lifecycle_stage", "tags"}


async def test_list_rejects_an_unknown_stage(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/profiles", params={"stage": "friend"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_settings_read_the_service_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_ANALYTICS_DATABASE_URL", "sqlite+aiosqlite:///from-env.db")
    monkeypatch.setenv("CRM_ANALYTICS_PORT", "9105")
    monkeypatch.setenv("CRM_ANALYTICS_PROFILE_TIMELINE_SIZE", "7")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://someone-else/db")
    monkeypatch.setenv("PORT", "1")

    from_env = AnalyticsSettings()
    by_keyword = AnalyticsSettings(database_url="sqlite+aiosqlite:///kw.db", port=9200)

    assert (from_env.database_url, from_env.port) == ("sqlite+aiosqlite:///from-env.db", 9105)
    assert from_env.profile_timeline_size == 7
    assert (by_keyword.database_url, by_keyword.port) == ("sqlite+aiosqlite:///kw.db", 9200)


def test_settings_default_to_a_file_in_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CRM_ANALYTICS_DATABASE_URL", "CRM_ANALYTICS_PORT", "CRM_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)

    settings = AnalyticsSettings()

    assert settings.database_url == "sqlite+aiosqlite:///var/analytics.db"
    assert (settings.port, settings.consumer_group) == (8005, "crm-analytics")


async def test_list_counts_when_asked_and_syncs_changes_oldest_first(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed_population(app)  # every profile changed at minute 0
    await deliver(app, lifecycle_changed(P3, 2, LifecycleStage.CUSTOMER), at(2))
    await deliver(app, updated(P1, 2, tags=["former-vip"]), at(3))

    counted = (await client.get("/v1/profiles", params={"total": "true", "limit": 2})).json()
    assert (counted["total"], len(counted["items"])) == (5, 2)
    assert (await client.get("/v1/profiles", params={"tag": "vip", "total": "true"})).json()[
        "total"
    ] == 2
    assert (await client.get("/v1/profiles")).json()["total"] is None

    synced: list[str] = []
    cursor = ""
    while True:
        params = {"updated_since": at(1).isoformat(), "limit": 1, "cursor": cursor}
        page = (await client.get("/v1/profiles", params=params)).json()
        synced += [item["customer_id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert synced == [P3, P1]


async def test_an_id_that_is_not_a_uuid_is_422(client: httpx.AsyncClient) -> None:
    for path in ("/v1/profiles/c1", "/v1/profiles/c1/timeline"):
        response = await client.get(path)
        assert response.status_code == 422, path
        assert response.headers["content-type"] == "application/problem+json"

"""The segments API: save (201, ETag, size equal to the preview's), read, list, change
(If-Match), delete (every member leaves), members by page and as CSV, masked for callers
without customers:pii."""

import csv
import io
from decimal import Decimal

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing import app_client, assert_problem, at, created, uid
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver
from services.analytics.tests.segments_harness import (
    NOW,
    membership_events,
    score_row,
    write_scores,
)

C1, C2, C3, C4, C5 = (uid(f"c{n}") for n in range(1, 6))
RETAIL = {"field": "industry", "op": "eq", "value": "retail"}
BIG = {"field": "monetary_total", "op": "gte", "value": 100}


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


async def seed(app: FastAPI) -> None:
    for n, customer_id in enumerate((C1, C2, C3, C4, C5)):
        industry = "retail" if customer_id != C5 else "mining"
        email = f"person{n}@example.org"
        await deliver(app, created(customer_id, industry=industry, email=email), at(n))
    await write_scores(app, *(score_row(c, monetary_total=Decimal("150.00")) for c in (C1, C3, C5)))


async def test_a_saved_segment_has_the_members_its_preview_counted(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app)
    filter_ = {"all": [RETAIL, BIG]}
    preview = (await client.post("/v1/segments/preview", json={"filter": filter_})).json()

    response = await client.post(
        "/v1/segments", json={"name": "Big retail", "filter": filter_, "description": "x"}
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/segments/{body['id']}"
    assert preview == {"size": 2, "sample": [C1, C3]}
    assert (body["size"], body["version"], body["filter"]) == (2, 1, filter_)
    assert body["bands"]["spend"] == ["<100", "100-250", "250-500", ">500"]
    assert await membership_events(app) == [
        ("Big retail", C1, "joined", 1),
        ("Big retail", C3, "joined", 1),
    ]
    read = await client.get(f"/v1/segments/{body['id']}")
    assert (read.status_code, read.json(), read.headers["ETag"]) == (200, body, '"1"')
    listed = (await client.get("/v1/segments", params={"total": "true"})).json()
    assert ([item["id"] for item in listed["items"]], listed["total"]) == ([body["id"]], 1)


async def test_members_page_by_customer_id_and_export_as_csv(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app)
    segment = (await client.post("/v1/segments", json={"name": "R", "filter": RETAIL})).json()
    url = f"/v1/segments/{segment['id']}/members"

    first = (await client.get(url, params={"limit": 3, "total": "true"})).json()
    second = (await client.get(url, params={"limit": 3, "cursor": first["next_cursor"]})).json()

    assert [m["customer_id"] for m in first["items"]] == [C1, C2, C3]
    assert ([m["customer_id"] for m in second["items"]], second["next_cursor"]) == ([C4], None)
    assert first["total"] == 4
    member = first["items"][0]
    assert (member["email"], member["name"], member["joined_at"]) == (
        "person0@example.org",
        "Ada Lovelace",
        "2026-06-15T12:00:00Z",
    )
    assert (member["monetary_total"], member["churn_risk"]) == ("150.00", "low")
    exported = await client.get(url + ".csv")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["customer_id"] for row in rows] == [C1, C2, C3, C4]
    assert (rows[0]["email"], rows[1]["monetary_total"]) == ("person0@example.org", "")


async def test_an_analyst_sees_the_members_emails_masked(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app)
    segment = (await client.post("/v1/segments", json={"name": "R", "filter": RETAIL})).json()
    url = f"/v1/segments/{segment['id']}/members"
    async with app_client(app, "http://analytics", role="analyst") as analyst:
        page = (await analyst.get(url)).json()
        exported = await analyst.get(url + ".csv")

    assert page["items"][0]["email"] == "p***@example.org"
    assert "person0@example.org" not in exported.text
    assert "p***@example.org" in exported.text


async def test_a_new_filter_re_evaluates_under_if_match(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app)
    segment = (await client.post("/v1/segments", json={"name": "R", "filter": RETAIL})).json()
    url = f"/v1/segments/{segment['id']}"

    missing = await client.patch(url, json={"filter": BIG})
    stale = await client.patch(url, json={"filter": BIG}, headers={"If-Match": '"7"'})
    changed = await client.patch(
        url, json={"name": "Big", "filter": BIG}, headers={"If-Match": '"1"'}
    )

    assert_problem(missing, 428)
    assert_problem(stale, 412)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["size"], changed.json()["version"]) == (3, 2)
    assert changed.headers["ETag"] == '"2"'
    assert (await membership_events(app))[4:] == [
        ("Big", C5, "joined", 1),
        ("Big", C2, "left", 2),
        ("Big", C4, "left", 2),
    ]
    renamed = await client.patch(url, json={"name": "Bigger"}, headers={"If-Match": '"2"'})
    assert (renamed.json()["version"], renamed.json()["size"]) == (3, 3)
    assert len(await membership_events(app)) == 7  # a new name moves no one


async def test_deleting_a_segment_makes_every_member_leave(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app)
    segment = (await client.post("/v1/segments", json={"name": "Big", "filter": BIG})).json()
    url = f"/v1/segments/{segment['id']}"

    deleted = await client.delete(url, headers={"If-Match": '"1"'})

    assert deleted.status_code == 204, deleted.text
    assert (await membership_events(app))[3:] == [
        ("Big", C1, "left", 2),
        ("Big", C3, "left", 2),
        ("Big", C5, "left", 2),
    ]
    assert_problem(await client.get(url), 404)
    assert_problem(await client.get(url + "/members"), 404)


async def test_reading_needs_analytics_read_and_writing_segments_write(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    body = {"name": "R", "filter": RETAIL}
    async with app_client(app, "http://analytics", role="agent") as agent:
        assert_problem(await agent.post("/v1/segments", json=body), 403)
        assert_problem(await agent.get("/v1/segments"), 403)
    async with app_client(app, "http://analytics", role="analyst") as analyst:
        assert (await analyst.post("/v1/segments", json=body)).status_code == 201


async def test_the_filter_fields_name_each_fields_operators_and_the_values_it_takes(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/segments/fields")

    assert response.status_code == 200, response.text
    fields = {entry["field"]: entry for entry in response.json()}
    assert fields["age_band"]["values"] == [
        "<18",
        "18-24",
        "25-34",
        "35-44",
        "45-54",
        "55-64",
        "65+",
    ]
    assert fields["spend_band"]["values"] == ["<100", "100-250", "250-500", ">500"]
    assert fields["abc_class"]["values"] == ["A", "B", "C"]
    assert fields["consent"] == {
        "field": "consent",
        "kind": "set",
        "ops": ["contains"],
        "values": ["email", "sms", "phone", "post"],
    }
    assert fields["industry"]["values"] is None
    assert "between" in fields["monetary_total"]["ops"]

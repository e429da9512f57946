"""The API conventions clients rely on, across the customer service's endpoints: If-Match on
every write to an existing record (and documented so), Idempotency-Key scoped and
insensitive to how the JSON is spelled, one page shape for every list, incremental sync."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from crm_shared.api.concurrency import IF_MATCH_PATTERN, parse_if_match
from crm_shared.bus.outbox import OutboxRepository
from crm_shared.testing import assert_problem
from crm_shared.testing.auth import bearer, token_for
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import create_customer, events_of, if_match

# --- If-Match: documented as it is enforced ------------------------------------------------

CREATES = {
    ("post", "/v1/customers"),
    ("post", "/v1/customers/{customer_id}/contacts"),
    ("post", "/v1/customers/{customer_id}/receivables"),
    ("post", "/v1/customers/import"),  # a bulk load, not a write to one record
}
NOT_RECORDS = {("post", "/v1/admin/outbox/replay")}


def test_every_write_to_a_record_documents_a_required_if_match(customer_app: FastAPI) -> None:
    document = customer_app.openapi()
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            headers = {
                parameter["name"]: parameter
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "header"
            }
            if (method, path) in CREATES | NOT_RECORDS:
                assert "If-Match" not in headers, (method, path)
                continue
            parameter = headers.get("If-Match")
            assert parameter is not None, f"{method.upper()} {path} does not document If-Match"
            assert parameter["required"] is True, (method, path)
            assert parameter["schema"]["type"] == "string"
            assert parameter["schema"]["pattern"], (method, path)
            assert {"400", "412", "428"} <= set(operation["responses"]), (method, path)
            checked += 1
    # PATCH customer, contact, receivable; DELETE contact; PUT consent, credit and operating
    # grade; POST lifecycle, recompute, merge, erasure.
    assert checked == 11


@pytest.mark.parametrize(
    ("value", "versions", "any_version"),
    [
        ("*", set(), True),
        ('"3"', {3}, False),
        ('W/"3"', {3}, False),
        (' "1" ,W/"2",  "x" ', {1, 2}, False),
        ('"a,b", "4"', {4}, False),
        ('"03"', set(), False),  # not one of our tags: matches no version
    ],
)
def test_if_match_syntax_accepted(value: str, versions: set[int], any_version: bool) -> None:
    expected = parse_if_match(value)
    assert (set(expected.versions), expected.any_version) == (versions, any_version)


@pytest.mark.parametrize("value", ["1", "null", "", "  ", '"1', 'w/"1"', '"1";"2"', '*,"1"'])
def test_if_match_syntax_refused(value: str) -> None:
    from crm_shared.api.problems import Problem

    with pytest.raises(Problem) as refused:
        parse_if_match(value)
    assert refused.value.status == 400


def test_the_documented_pattern_is_the_enforced_syntax() -> None:
    import re

    for value in ("*", '"3"', 'W/"3", "4"'):
        assert re.fullmatch(IF_MATCH_PATTERN, value)
    for value in ("1", "null", "", '*, "1"'):
        assert not re.fullmatch(IF_MATCH_PATTERN, value)


# --- Idempotency-Key ------------------------------------------------------------------------


async def test_a_retry_spelling_the_json_differently_is_the_same_request(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    document = {"kind": "business", "name": "Acme", "geographic": {"city": "Rome", "region": "EU"}}
    headers = {"Idempotency-Key": "acme-1", "Content-Type": "application/json"}
    first = await customer_client.post(
        "/v1/customers", content=json.dumps(document), headers=headers
    )
    reordered = {"geographic": {"region": "EU", "city": "Rome"}, "name": "Acme", "kind": "business"}
    again = await customer_client.post(
        "/v1/customers", content=json.dumps(reordered, indent=2), headers=headers
    )
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["idempotency-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len(await events_of(customer_app, "created")) == 1
    # The query is part of the request: the same key with strict=true is another request.
    strict = await customer_client.post(
        "/v1/customers?strict=true", content=json.dumps(document), headers=headers
    )
    assert_problem(strict, 422, contains="Idempotency-Key")


async def test_a_key_is_scoped_to_its_route_and_its_caller(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    key = {"Idempotency-Key": "same-key"}
    acme = await customer_client.post(
        "/v1/customers", json={"kind": "business", "name": "Acme"}, headers=key
    )
    assert acme.status_code == 201
    # The same key on another endpoint is another key: the contact is created, not refused.
    contacts = f"/v1/customers/{acme.json()['id']}/contacts"
    contact = await customer_client.post(contacts, json={"name": "Eve"}, headers=key)
    assert contact.status_code == 201, contact.text
    assert "idempotency-replayed" not in contact.headers
    # Routes are templates: the same key under another customer is the same scope, and a
    # different request (another path), so it is refused rather than replayed.
    other = await create_customer(customer_client, kind="business", name="Other")
    reused = await customer_client.post(
        f"/v1/customers/{other['id']}/contacts", json={"name": "Eve"}, headers=key
    )
    assert_problem(reused, 422, contains="Idempotency-Key")
    # Another caller's key is its own (the caller is the token's subject).
    someone_else = {**key, **bearer(token_for("sales", subject="another-user"))}
    theirs = await customer_client.post(
        "/v1/customers",
        json={"kind": "business", "name": "Acme"},
        headers=someone_else,
    )
    assert theirs.status_code == 201
    assert "idempotency-replayed" not in theirs.headers
    assert theirs.json()["id"] != acme.json()["id"]
    mine_again = await customer_client.post(
        "/v1/customers",
        json={"kind": "business", "name": "Acme"},
        headers=someone_else,
    )
    assert mine_again.json()["id"] == theirs.json()["id"]


async def test_keys_are_stored_hashed(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    from crm_customer.models import platform_tables
    from sqlalchemy import select

    await customer_client.post(
        "/v1/customers",
        json={"kind": "individual", "name": "Ann"},
        headers={"Idempotency-Key": "k" * 255},
    )
    keys = platform_tables.idempotency_keys
    async with customer_app.state.runtime.session_factory() as session:
        [stored] = (await session.execute(select(keys.c.key))).scalars().all()
    assert len(stored) == 64
    assert "k" not in stored


# --- pagination and incremental sync --------------------------------------------------------


async def test_an_empty_cursor_is_the_first_page_and_total_is_counted_when_asked(
    customer_client: httpx.AsyncClient,
) -> None:
    for name in ("A", "B", "C"):
        await create_customer(customer_client, name=name)
    first = await customer_client.get("/v1/customers", params={"cursor": "", "limit": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (len(body["items"]), body["total"]) == (2, None)
    counted = (
        await customer_client.get(
            "/v1/customers", params={"limit": 2, "total": "true", "name": "a"}
        )
    ).json()
    assert counted["total"] == 1
    everything = (await customer_client.get("/v1/customers", params={"total": True})).json()
    assert everything["total"] == 3


async def sync(client: httpx.AsyncClient, since: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {
            "updated_since": since,
            "limit": 2,
            **params,
            **({"cursor": cursor} if cursor else {}),
        }
        response = await client.get("/v1/customers", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_updated_since_lists_changes_oldest_first_for_incremental_sync(
    customer_client: httpx.AsyncClient,
) -> None:
    start = datetime.now().astimezone() - timedelta(seconds=1)
    created = [await create_customer(customer_client, name=f"C{index}") for index in range(5)]
    first_run = await sync(customer_client, start.isoformat())
    assert [c["id"] for c in first_run] == [c["id"] for c in created]
    stamps = [(c["updated_at"], c["id"]) for c in first_run]
    assert stamps == sorted(stamps)

    # Changes after the first run: the next run, from its greatest updated_at, sees them.
    changed = created[1]
    url = f"/v1/customers/{changed['id']}"
    await customer_client.patch(
        url, json={"owner": "maria"}, headers=await if_match(customer_client, url)
    )
    since = max(c["updated_at"] for c in first_run)
    second_run = await sync(customer_client, since)
    assert changed["id"] in [c["id"] for c in second_run]
    assert second_run[-1]["id"] == changed["id"]  # the newest change comes last
    assert all(c["updated_at"] >= since for c in second_run)

    # Merged and erased records leave the default (active) list: a sync asks for every status.
    survivor, duplicate = created[3], created[4]
    merged = await customer_client.post(
        f"/v1/customers/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=await if_match(customer_client, f"/v1/customers/{survivor['id']}"),
    )
    assert merged.status_code == 200, merged.text
    every_status = await sync(customer_client, since, status=["active", "merged", "erased"])
    assert {c["id"]: c["status"] for c in every_status}[duplicate["id"]] == "merged"

    # The sync order is (updated_at, id) unless the client asks for another: then the filter
    # still holds, in the order asked for.
    by_name = await customer_client.get(
        "/v1/customers", params={"updated_since": since, "sort": "name"}
    )
    assert by_name.status_code == 200, by_name.text
    names = [item["name"] for item in by_name.json()["items"]]
    assert names == sorted(names)
    explicit = await customer_client.get(
        "/v1/customers", params={"updated_since": since, "sort": "updated_at"}
    )
    assert explicit.status_code == 200
    naive = await customer_client.get("/v1/customers", params={"updated_since": "2026-01-01T00:00"})
    assert_problem(naive, 422)


async def test_every_list_has_the_same_shape(customer_client: httpx.AsyncClient) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    base = f"/v1/customers/{acme['id']}"
    for path in (
        "/v1/customers",
        f"{base}/contacts",
        f"{base}/receivables",
        f"{base}/credit/history",
    ):
        body = (await customer_client.get(path, params={"cursor": "", "total": "true"})).json()
        assert set(body) == {"items", "next_cursor", "limit", "total"}, path
        assert isinstance(body["total"], int), path


# --- Fields: the schema says what the service checks ---------------------------------------


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def _offers_null(field: dict[str, Any]) -> bool:
    return field.get("type") == "null" or any(
        option.get("type") == "null" for option in field.get("anyOf", [])
    )


def test_partial_updates_document_null_only_where_it_clears(customer_app: FastAPI) -> None:
    document = customer_app.openapi()
    customer = _schema(document, "CustomerUpdate")["properties"]
    kept = {"kind", "name", "tags", "address", "geographic", "demographic", "psychographic"}
    kept |= {"behavioural", "business"}
    assert {name for name in kept if _offers_null(customer[name])} == set()
    assert all(_offers_null(customer[name]) for name in ("company", "email", "phone", "owner"))
    contact = _schema(document, "ContactUpdate")["properties"]
    assert [
        name for name in ("name", "buying_roles", "is_primary") if _offers_null(contact[name])
    ] == []
    assert _offers_null(contact["job_title"])


async def test_null_where_the_schema_offers_none_is_refused_and_changes_nothing(
    customer_client: httpx.AsyncClient,
) -> None:
    customer = await create_customer(customer_client, name="Ada", address={"country": "DE"})
    url = f"/v1/customers/{customer['id']}"
    for body in ({"address": None}, {"name": None}, {"tags": None}):
        refused = await customer_client.patch(url, json=body, headers={"If-Match": "*"})
        assert_problem(refused, 422, contains="leave the field out")
    cleared = await customer_client.patch(url, json={"company": None}, headers={"If-Match": "*"})
    assert cleared.status_code == 200
    assert cleared.json()["address"]["country"] == "DE"


def test_money_phone_currency_and_text_carry_their_rules(customer_app: FastAPI) -> None:
    document = customer_app.openapi()
    receivable = _schema(document, "ReceivableIn")["properties"]
    assert receivable["amount"]["type"] == "string"
    assert "pattern" in receivable["amount"]
    assert "EUR" in receivable["currency"]["anyOf"][0]["enum"]
    revenue = _schema(document, "BusinessProfile")["properties"]["annual_revenue"]["anyOf"][0]
    assert revenue["type"] == "string"
    assert "{0,15}" in revenue["pattern"]
    phone = _schema(document, "CustomerCreate")["properties"]["phone"]["anyOf"][0]
    assert phone["pattern"].startswith("^[+(]?[0-9]")
    assert "invalid-phone-number" in phone["description"]
    source = _schema(document, "ConsentDecisionIn")["properties"]["source"]
    assert source["minLength"] == 1
    assert "\\u3000" in source["pattern"]


async def test_blank_text_and_a_phone_outside_the_numbering_plan_are_refused(
    customer_client: httpx.AsyncClient,
) -> None:
    customer = await create_customer(customer_client, name="Ada")
    blank = await customer_client.put(
        f"/v1/customers/{customer['id']}/consent/email",
        json={"granted": True, "source": "\t\u3000 "},
        headers={"If-Match": "*"},
    )
    assert_problem(blank, 422, contains="source")
    for phone in ("+1 (000) 000-0000", "+999 123 456"):
        refused = await customer_client.post(
            "/v1/customers", json={"kind": "individual", "name": "Bo", "phone": phone}
        )
        assert assert_problem(refused, 422)["type"].endswith("/invalid-phone-number")
    misshapen = await customer_client.post(
        "/v1/customers", json={"kind": "individual", "name": "Bo", "phone": "call me"}
    )
    assert assert_problem(misshapen, 422)["type"].endswith("/validation-error")


# --- Operations: the outbox ------------------------------------------------------------------


async def test_the_outbox_counts_what_waits_and_replays_what_was_sent(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    since = datetime.now(UTC).isoformat()
    await create_customer(customer_client, name="Ada")
    waiting = (await customer_client.get("/v1/admin/outbox")).json()["pending"]
    assert waiting >= 1
    runtime = customer_app.state.runtime
    async with runtime.unit_of_work() as uow:  # as the relay does once the broker has them
        repository = OutboxRepository(uow.session, uow.tables)
        claimed = await repository.claim_unsent(100, skip_locked=False)
        await repository.mark_sent([message.id for message in claimed], uow.clock.now())
        await uow.commit()
    assert (await customer_client.get("/v1/admin/outbox")).json() == {"pending": 0}

    replay = await customer_client.post("/v1/admin/outbox/replay", json={"since": since})
    assert replay.json()["requeued"] == waiting
    assert (await customer_client.get("/v1/admin/outbox")).json() == {"pending": waiting}
    unix_time = await customer_client.post("/v1/admin/outbox/replay", json={"since": 0})
    assert_problem(unix_time, 422)


async def test_a_malformed_if_none_match_is_400_only_where_the_record_is_served(
    customer_client: httpx.AsyncClient,
) -> None:
    customer = await create_customer(customer_client, name="Ada")
    url = f"/v1/customers/{customer['id']}"
    malformed = await customer_client.get(url, headers={"If-None-Match": "3"})
    assert assert_problem(malformed, 400)["type"].endswith("/invalid-if-none-match")
    unknown = await customer_client.get(
        "/v1/customers/00000000-0000-4000-8000-000000000000", headers={"If-None-Match": "3"}
    )
    assert_problem(unknown, 404)
    etag = (await customer_client.get(url)).headers["etag"]
    unchanged = await customer_client.get(url, headers={"If-None-Match": f'"0", {etag}'})
    assert (unchanged.status_code, unchanged.content) == (304, b"")

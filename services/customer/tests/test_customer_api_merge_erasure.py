"""Duplicates report, merge and erasure over HTTP."""

import uuid

import httpx
from crm_customer.models import platform_tables
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.db import utcnow
from crm_shared.testing import assert_problem
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI
from sqlalchemy import select, update

from services.customer.tests.customer_api_helpers import (
    create_customer,
    events_of,
    if_match,
    outbox_events,
)


async def test_duplicate_report_groups_active_customers(customer_client: httpx.AsyncClient) -> None:
    a = await create_customer(customer_client, email="ann@example.org")
    b = await create_customer(
        customer_client, name="Ann L.", email="ANN@example.org", phone="+14155550132"
    )
    c = await create_customer(customer_client, name="Other", phone="415 555 0132")
    await create_customer(customer_client, name="Unique", email="u@example.org")
    report = (await customer_client.get("/v1/customers/duplicates")).json()
    assert report["truncated"] is False
    assert report["groups"] == [
        {"matched_on": "email", "key": "ann@example.org", "customer_ids": [a["id"], b["id"]]},
        {"matched_on": "phone", "key": "+14155550132", "customer_ids": [b["id"], c["id"]]},
    ]
    limited = (await customer_client.get("/v1/customers/duplicates", params={"limit": 1})).json()
    assert len(limited["groups"]) == 1
    assert limited["truncated"] is True


async def test_merge_fills_gaps_unites_and_leaves_an_alias(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    survivor = await create_customer(
        customer_client, kind="business", name="Acme", email="info@acme.example", tags=["vip"],
        geographic={"city": "Berlin"},
    )  # fmt: skip
    duplicate = await create_customer(
        customer_client, kind="business", name="ACME GmbH", email="sales@acme.example",
        phone="+49 30 12345678", tags=["b2b"], external_id="ERP-7",
        geographic={"city": "Munich", "region": "Bavaria"}, lifecycle_stage="customer",
    )  # fmt: skip
    s_url, d_url = f"/v1/customers/{survivor['id']}", f"/v1/customers/{duplicate['id']}"
    for url, path, body in (
        (s_url, "/consent/email", {"granted": True, "source": "web"}),
        (d_url, "/consent/email", {"granted": False, "source": "unsubscribe"}),
        (d_url, "/consent/sms", {"granted": True, "source": "fair"}),
        (d_url, "/credit/operating-grade", {"operating_grade": "special", "reason": "x"}),
    ):
        written = await customer_client.put(
            f"{url}{path}", json=body, headers=await if_match(customer_client, url)
        )
        assert written.status_code == 200, written.text
    await customer_client.post(f"{d_url}/contacts", json={"name": "Eve", "is_primary": True})
    await customer_client.post(f"{s_url}/contacts", json={"name": "Joe", "is_primary": True})

    response = await customer_client.post(
        f"{s_url}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers={**as_subject("maria"), **await if_match(customer_client, s_url)},
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert response.headers["etag"] == f'"{merged["version"]}"'
    assert merged["name"] == "Acme"  # the survivor's own values stay
    assert merged["email"] == "info@acme.example"
    assert merged["geographic"]["city"] == "Berlin"
    assert merged["phone"] == "+493012345678"  # gaps are filled from the duplicate
    assert merged["external_id"] == "ERP-7"
    assert merged["geographic"]["region"] == "Bavaria"
    assert merged["tags"] == ["b2b", "vip"]
    assert merged["lifecycle_stage"] == "potential"
    assert merged["consent"] == {"email": False, "sms": True}  # the newest decision wins
    assert merged["credit"]["operating_grade"] == "special"
    contacts = (await customer_client.get(f"{s_url}/contacts")).json()["items"]
    assert {(c["name"], c["is_primary"]) for c in contacts} == {("Joe", True), ("Eve", False)}
    consent_history = (await customer_client.get(f"{s_url}/consent")).json()["history"]
    assert sum(1 for h in consent_history if h["copied_from"] == duplicate["id"]) == 2

    alias = await customer_client.get(d_url)
    assert alias.status_code == 200
    assert alias.json()["status"] == "merged"
    assert alias.json()["merged_into"] == survivor["id"]
    assert alias.json()["external_id"] is None  # handed over to the survivor
    listed = (await customer_client.get("/v1/customers")).json()["items"]
    assert [c["id"] for c in listed] == [survivor["id"]]
    aliases = (await customer_client.get("/v1/customers", params={"status": "merged"})).json()[
        "items"
    ]
    assert [c["id"] for c in aliases] == [duplicate["id"]]

    [event] = await events_of(customer_app, "merged")
    assert isinstance(event, CustomerMerged)
    assert event.customer_id == survivor["id"]
    assert event.merged_customer_id == duplicate["id"]
    assert event.customer_version == merged["version"]
    assert event.customer.phone == "+493012345678"
    assert (await outbox_events(customer_app))[-1][1] == survivor["id"]

    # The alias is read-only, and cannot take part in another merge.
    assert_problem(
        await customer_client.patch(d_url, json={"name": "x"}, headers={"If-Match": "*"}),
        409,
        contains="merged into",
    )
    anyway = {"If-Match": "*"}
    assert_problem(
        await customer_client.post(
            f"{d_url}/lifecycle", json={"stage": "lost", "reason": "x"}, headers=anyway
        ),
        409,
    )
    assert_problem(
        await customer_client.post(
            f"{s_url}/merge", json={"duplicate_id": duplicate["id"]}, headers=anyway
        ),
        409,
    )
    assert_problem(
        await customer_client.post(
            f"{d_url}/merge", json={"duplicate_id": survivor["id"]}, headers=anyway
        ),
        409,
    )


async def test_a_merged_survivor_passes_its_aliases_on(customer_client: httpx.AsyncClient) -> None:
    a, b, c = [await create_customer(customer_client, name=n) for n in ("A", "B", "C")]
    for survivor, duplicate in ((b, c), (a, b)):
        merged = await customer_client.post(
            f"/v1/customers/{survivor['id']}/merge",
            json={"duplicate_id": duplicate["id"]},
            headers={"If-Match": f'"{survivor["version"]}"'},
        )
        assert merged.status_code == 200, merged.text
    assert (await customer_client.get(f"/v1/customers/{c['id']}")).json()["merged_into"] == a["id"]


async def test_merge_refusals(customer_client: httpx.AsyncClient) -> None:
    person = await create_customer(customer_client)
    firm = await create_customer(customer_client, kind="business", name="Acme")
    url = f"/v1/customers/{person['id']}/merge"
    read = {"If-Match": '"1"'}  # the survivor's version

    async def merge(body: dict[str, str]) -> httpx.Response:
        return await customer_client.post(url, json=body, headers=read)

    assert_problem(await merge({"duplicate_id": person["id"]}), 409, contains="itself")
    assert_problem(await merge({"duplicate_id": firm["id"]}), 409, contains="kind")
    assert_problem(await merge({"duplicate_id": str(uuid.uuid4())}), 404)
    assert_problem(await merge({"duplicate_id": "nope"}), 422)
    assert_problem(await merge({}), 422)
    other = await create_customer(customer_client, name="Other")
    assert_problem(
        await customer_client.post(
            url, json={"duplicate_id": other["id"]}, headers={"If-Match": '"8"'}
        ),
        412,
    )
    missing = f"/v1/customers/{uuid.uuid4()}/merge"
    assert_problem(
        await customer_client.post(
            missing, json={"duplicate_id": other["id"]}, headers={"If-Match": "*"}
        ),
        404,
    )


async def test_erasure_scrubs_and_keeps_a_tombstone(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    firm = await create_customer(
        customer_client, kind="business", name="Acme", email="a@acme.example", phone="+14155550132",
        tags=["vip"], external_id="ERP-1", owner="maria", source="web", lifecycle_stage="customer",
        address={"street": "1 Main St", "postal_code": "94105", "country": "us"},
        demographic={"birth_date": "1980-01-01", "industry": "retail"},
        psychographic={"lifestyle": ["outdoor"]},
    )  # fmt: skip
    alias = await create_customer(
        customer_client, kind="business", name="Acme Inc", email="b@acme.example"
    )
    url = f"/v1/customers/{firm['id']}"
    await customer_client.post(
        f"{url}/merge", json={"duplicate_id": alias["id"]}, headers={"If-Match": '"1"'}
    )
    await customer_client.post(
        f"{url}/contacts", json={"name": "Eve", "email": "eve@acme.example", "notes": "x"}
    )
    await customer_client.put(
        f"{url}/consent/email",
        json={"granted": True, "source": "signup at 1 Main St"},
        headers=await if_match(customer_client, url),
    )
    await customer_client.put(
        f"{url}/credit/grade",
        json={"credit_grade": "B", "reason": "talked to Eve"},
        headers=await if_match(customer_client, url),
    )

    response = await customer_client.post(
        f"{url}/erasure",
        json={"reason": "GDPR request #42"},
        headers=await if_match(customer_client, url),
    )
    assert response.status_code == 200, response.text
    tombstone = response.json()
    assert tombstone["status"] == "erased"
    assert tombstone["name"] == "erased customer"
    assert tombstone["erased_at"] is not None
    assert (tombstone["kind"], tombstone["lifecycle_stage"], tombstone["created_at"]) == (
        "business", "customer", firm["created_at"],
    )  # fmt: skip
    for field in ("email", "phone", "company", "external_id"):
        assert tombstone[field] is None, field
    assert tombstone["tags"] == []
    assert set(tombstone["address"].values()) == {None}
    assert tombstone["demographic"]["birth_date"] is None
    assert tombstone["psychographic"]["lifestyle"] == []
    assert tombstone["credit"]["credit_grade"] is None

    [contact] = (await customer_client.get(f"{url}/contacts")).json()["items"]
    assert (contact["name"], contact["email"], contact["notes"]) == ("erased contact", None, None)
    consent = (await customer_client.get(f"{url}/consent")).json()
    assert consent["current"]["email"]["granted"] is True  # the decision stays, its text goes
    assert {h["source"] for h in consent["history"]} == {None}
    history = (await customer_client.get(f"{url}/credit/history")).json()["items"]
    assert {h["reason"] for h in history} == {None}
    erased_alias = (await customer_client.get(f"/v1/customers/{alias['id']}")).json()
    assert (erased_alias["status"], erased_alias["email"]) == ("erased", None)

    events = [e for e in await events_of(customer_app, "erased") if isinstance(e, CustomerErased)]
    assert {e.customer_id for e in events} == {firm["id"], alias["id"]}
    assert (
        next(e for e in events if e.customer_id == firm["id"]).customer_version
        == tombstone["version"]
    )

    # Counts still add up: the tombstone is listed on request, and refuses every change.
    erased = (await customer_client.get("/v1/customers", params={"status": "erased"})).json()[
        "items"
    ]
    assert {c["id"] for c in erased} == {firm["id"], alias["id"]}
    assert_problem(
        await customer_client.patch(url, json={"name": "x"}, headers={"If-Match": "*"}),
        409,
        contains="erased",
    )
    current = await if_match(customer_client, url)
    for method, path, body in (
        ("POST", "/erasure", {"reason": "again"}),
        ("PUT", "/consent/sms", {"granted": True, "source": "x"}),
        ("POST", "/lifecycle", {"stage": "lost", "reason": "x"}),
        ("PUT", "/credit/grade", {"credit_grade": "A", "reason": "x"}),
    ):
        refused = await customer_client.request(method, f"{url}{path}", json=body, headers=current)
        assert_problem(refused, 409)
    assert_problem(await customer_client.post(f"{url}/contacts", json={"name": "x"}), 409)


async def test_erasure_errors(customer_client: httpx.AsyncClient) -> None:
    person = await create_customer(customer_client)
    url = f"/v1/customers/{person['id']}/erasure"
    assert_problem(await customer_client.post(url, json={"reason": "x"}), 428)
    assert_problem(await customer_client.post(url, json={}, headers={"If-Match": '"1"'}), 422)
    assert_problem(
        await customer_client.post(url, json={"reason": "x"}, headers={"If-Match": '"3"'}), 412
    )
    assert_problem(
        await customer_client.post(
            f"/v1/customers/{uuid.uuid4()}/erasure", json={"reason": "x"}, headers={"If-Match": "*"}
        ),
        404,
    )
    survivor = await create_customer(customer_client, name="Survivor")
    await customer_client.post(
        f"/v1/customers/{survivor['id']}/merge",
        json={"duplicate_id": person["id"]},
        headers={"If-Match": '"1"'},
    )
    assert_problem(
        await customer_client.post(url, json={"reason": "x"}, headers={"If-Match": "*"}),
        409,
        contains="merged into",
    )


async def test_erasure_forgets_sent_events_and_stored_responses(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    response = await customer_client.post(
        "/v1/customers",
        json={"kind": "individual", "name": "Zoe Quill", "email": "zoe@quill.example"},
        headers={"Idempotency-Key": "create-zoe"},
    )
    person = response.json()
    outbox, keys = platform_tables.outbox, platform_tables.idempotency_keys
    async with customer_app.state.runtime.session_factory() as session, session.begin():
        await session.execute(update(outbox).values(sent_at=utcnow()))  # as the relay would
        assert len((await session.execute(select(keys.c.key))).all()) == 1  # the create's

    erased = await customer_client.post(
        f"/v1/customers/{person['id']}/erasure",
        json={"reason": "asked"},
        headers={"If-Match": response.headers["etag"]},
    )
    assert erased.status_code == 200, erased.text

    async with customer_app.state.runtime.session_factory() as session:
        rows = (await session.execute(select(outbox).where(outbox.c.key == person["id"]))).all()
        stored = (await session.execute(select(keys.c.key))).scalars().all()
    assert [row.event_type for row in rows] == ["crm.customer.erased.v1"]
    assert all(b"zoe@quill.example" not in row.payload for row in rows)
    assert stored == []

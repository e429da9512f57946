"""POST /v1/leads/import: line-numbered errors and good rows kept, each lead made as
POST /v1/leads makes one, idempotent re-import, duplicates in the file and against the open
leads, owners the caller may not assign, chunks, malformed files, size and media type."""

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from crm_sales.leads import learning
from crm_sales.leads.models import LeadScoringModel
from crm_sales.leads.rules import FEATURES
from crm_sales.settings import SalesSettings
from crm_shared.testing import bearer, created, outbox_events, token_for, uid, user_created
from fastapi import FastAPI
from sqlalchemy import select

from services.sales.tests.sales_builders_lead_imports import (
    IMPORT_URL,
    csv,
    import_leads,
    leads_by_name,
    post_csv,
)
from services.sales.tests.sales_builders_leads import create_lead, deliver_events

CHUNK = 3  # rows per transaction here, so that a file of a few rows spans several
ANN = bearer(token_for("sales", subject="ann", team="north"))
MAX = bearer(token_for("sales", subject="max", manages=["north"]))
HEADER = "name,email,phone,owner,external_id"


@pytest.fixture
def sales_settings(sales_database_url: str, tmp_path: Path) -> SalesSettings:
    return SalesSettings(
        database_url=sales_database_url,
        data_dir=tmp_path,
        lead_import_chunk_rows=CHUNK,
        lead_import_max_bytes=5_000,
        lead_import_max_cell_chars=300,
        routing_territories={"dach": "dora"},
        routing_round_robin=["bob", "cy"],
    )


async def test_good_rows_are_imported_and_bad_rows_reported_by_line(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    content = csv(
        "name,company,email,phone,source,company_size,role,industry,region,external_id",
        "Ann Lee,Initech,Ann.Lee@Example.org,+1 415 555 0123,referral,300,CFO,Software,"
        "Europe,FAIR-1",  # 2
        "Bo,,not-an-email,,,,,,,FAIR-2",  # 3: bad e-mail
        ",Nameless Inc,,,,,,,,FAIR-3",  # 4: no name
        "Cy,,,+1 000 000 0000,,,,,,FAIR-4",  # 5: no such number
        "Di,,,,,-5,,,,FAIR-5",  # 6: negative size
        "",
        "Ed,Hooli,,,,,,,,",  # 8 (after a blank line)
        "Fi,,,,,,,,,,extra",  # 9: more cells than columns
    )
    summary = await import_leads(sales_client, content)
    assert (summary["imported"], summary["skipped"]) == (2, 0)
    errors = {error["line"]: error["detail"] for error in summary["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 9]
    assert errors[3].startswith("email:")
    assert errors[4] == "name: required"
    assert errors[5].startswith("phone:")
    assert errors[6].startswith("company_size:")
    assert "more cells" in errors[9]
    leads = await leads_by_name(sales_client)
    assert sorted(leads) == ["Ann Lee", "Ed"]
    # Scored as POST /v1/leads scores: 15 + 15 + 10 + 20 + 10 (see test_sales_leads_api).
    assert leads["Ann Lee"]["score"] == 70
    assert {reason["rule"] for reason in leads["Ann Lee"]["score_reasons"]} >= {"role", "source"}
    assert leads["Ann Lee"]["external_id"] == "FAIR-1"
    events = await outbox_events(sales_app, "lead_created")
    assert sorted(event.payload.lead.name for event in events) == ["Ann Lee", "Ed"]
    runtime = sales_app.state.runtime
    entries = runtime.tables.audit_entries
    async with runtime.session_factory() as session:
        statement = select(entries.c.record_id, entries.c.action).where(
            entries.c.record_type == "lead"
        )
        audited = set((await session.execute(statement)).all())
    assert audited == {(leads[name]["id"], "imported") for name in ("Ann Lee", "Ed")}


async def test_each_lead_is_routed_and_matched_as_a_single_create_is(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    ada = uid("ada")
    await deliver_events(sales_app, created(ada, email="Ada@Example.org", phone="+442079460000"))
    content = csv(
        "name,email,phone,region,owner",
        "A,ada@example.org,,,",  # by e-mail, routed: bob (round robin)
        "B,,+44 20 7946 0000,,",  # by phone: cy
        "C,,,DACH,",  # territory
        "D,,,,",  # bob again
        "E,,,,eve",  # named: the admin may assign anyone
    )
    summary = await import_leads(sales_client, content)
    assert summary == {"imported": 5, "skipped": 0, "errors": []}
    leads = await leads_by_name(sales_client)
    assert [leads[name]["customer_id"] for name in "ABC"] == [ada, ada, None]
    assert [leads[name]["owner"] for name in "ABCDE"] == ["bob", "cy", "dora", "bob", "eve"]
    # The next single create takes the turn the import left.
    single = await create_lead(sales_client, name="F")
    assert (single["owner"], single["routed_by"]) == ("cy", "round_robin")


async def test_a_lead_gets_the_learnt_probability_and_reasons_a_post_gives(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    rows = [[float(i % 5), 0, 0, float(i % 2), 0, float(i % 4), 0, 0] for i in range(60)]
    fitted = learning.fit(rows, [i % 2 == 1 for i in range(60)], FEATURES, holdout_share=0.25)
    async with sales_app.state.runtime.session_factory() as session:
        session.add(
            LeadScoringModel(
                trained_at=datetime(2026, 1, 1, tzinfo=UTC),
                n_samples=fitted["n_samples"],
                holdout_accuracy=fitted["holdout_accuracy"],
                model=fitted,
            )
        )
        await session.commit()
    fields = {"role": "CFO", "company_size": 40, "source": "referral", "owner": "ann"}
    posted = await create_lead(sales_client, name="Posted", **fields)
    content = csv("name,role,company_size,source,owner", "Imported,CFO,40,referral,ann")
    assert (await import_leads(sales_client, content))["imported"] == 1
    imported = (await leads_by_name(sales_client))["Imported"]
    assert imported["win_probability"] is not None
    for field in ("score", "score_reasons", "win_probability", "owner", "status", "version"):
        assert imported[field] == posted[field], field


async def test_importing_a_file_again_imports_nothing_twice(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    rows = [f"Lead {i},lead{i}@example.org,,,X-{i}" for i in range(7)]
    rows.append("No keys,,,,")  # neither external id nor e-mail nor phone: imported again
    await import_leads(sales_client, csv(HEADER, *rows[:4]))  # as if a crash lost the rest
    summary = await import_leads(sales_client, csv(HEADER, *rows))
    assert summary == {"imported": 4, "skipped": 4, "errors": []}
    again = await import_leads(sales_client, csv(HEADER, *rows))
    assert again == {"imported": 1, "skipped": 7, "errors": []}
    assert len(await outbox_events(sales_app, "lead_created")) == 9


async def test_duplicates_in_the_file_and_of_open_leads_are_skipped(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    open_lead = await create_lead(sales_client, name="Open", email="open@example.org")
    closed = await create_lead(sales_client, name="Closed", phone="+14155550199")
    response = await sales_client.post(
        f"/v1/leads/{closed['id']}/disqualify",
        json={"reason": "no budget"},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    await create_lead(sales_client, name="Held", external_id="X-held")
    content = csv(
        HEADER,
        "Twin,OPEN@example.org,,,",  # 2: the open lead's e-mail
        "Back,,(415) 555-0199,,",  # 3: only a disqualified lead has it: imported
        "First,first@example.org,+14155550100,,",  # 4
        "Second,First@Example.org,,,",  # 5: row 4's e-mail
        "Third,,415-555-0100,,",  # 6: row 4's phone
        "Taken,new@example.org,,,X-held",  # 7: external id held
        "Again,,,,X-new",  # 8
        "Again 2,,,,X-new",  # 9: row 8's external id
    )
    summary = await import_leads(sales_client, content)
    assert summary == {"imported": 3, "skipped": 5, "errors": []}
    names = set(await leads_by_name(sales_client))
    assert {"Back", "First", "Again"} <= names
    assert not {"Twin", "Second", "Third", "Taken", "Again 2"} & names
    assert (await leads_by_name(sales_client))["Open"]["id"] == open_lead["id"]


async def test_a_rep_names_only_owners_it_may_assign(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    await deliver_events(
        sales_app, user_created("ann", team_id="north"), user_created("bob", team_id="north")
    )
    content = csv(
        "name,owner",
        "Mine,ann",
        "Bob's,bob",  # a teammate's: only their manager may
        "Stranger's,zed",  # someone else's
        "Routed,",  # no owner named: routed (bob), as a POST without owner is
    )
    summary = (await post_csv(sales_client, content, **ANN)).json()
    assert (summary["imported"], summary["skipped"]) == (2, 0)
    errors = {error["line"]: error["detail"] for error in summary["errors"]}
    assert sorted(errors) == [3, 4]
    assert errors[3].startswith("owner: you may not make 'bob' the owner")
    managed = (await post_csv(sales_client, csv("name,owner", "Bob's,bob"), **MAX)).json()
    assert managed == {"imported": 1, "skipped": 0, "errors": []}
    leads = await leads_by_name(sales_client)
    assert leads["Mine"]["owner"] == "ann"
    assert leads["Routed"]["owner"] == "bob"
    assert leads["Bob's"]["owner"] == "bob"


async def test_a_form_upload_and_control_characters(sales_client: httpx.AsyncClient) -> None:
    content = b"name,company\nGood,Acme\nBad,Ac\x07me\n"
    response = await sales_client.post(
        IMPORT_URL, files={"file": ("leads.csv", content, "text/csv")}
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["imported"] == 1
    assert [error["line"] for error in summary["errors"]] == [3]
    assert "control characters" in summary["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (csv("email,phone", "a@b.org,"), 1, "missing: name"),
        (csv("name,colour", "A,red"), 1, "unknown columns"),
        (csv("name,email,email", "A,b,c"), 1, "named twice"),
        (csv("name,company", 'A,"Acme', "B,C"), 2, "never closed"),
        (csv("name,company", "A,Acme", "B," + "x" * 301), 3, "lead_import_max_cell_chars"),
        (b"name,company\nA,\xff\n", 2, "not UTF-8"),
        (b"", 1, "header"),
    ],
)
async def test_a_malformed_file_is_refused_whole_with_its_line(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, content: bytes, line: int, words: str
) -> None:
    response = await post_csv(sales_client, content)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"].startswith(f"line {line}:")
    assert words in problem["detail"]
    assert await outbox_events(sales_app, "lead_created") == []
    assert await leads_by_name(sales_client) == {}


async def test_size_media_type_and_permission(sales_client: httpx.AsyncClient) -> None:
    big = csv("name,company", *["Someone,Somewhere Inc"] * 300)
    too_big = await post_csv(sales_client, big)
    assert too_big.status_code == 413
    assert "bytes" in too_big.json()["detail"]
    json_body = await sales_client.post(IMPORT_URL, json={"rows": []})
    assert json_body.status_code == 415
    form_without_file = await sales_client.post(IMPORT_URL, files={"other": ("x", b"name\n")})
    assert form_without_file.status_code == 422
    for role in ("support", "analyst", "marketing"):
        refused = await post_csv(sales_client, csv("name"), **bearer(token_for(role)))
        assert refused.status_code == 403, role
    anonymous = await sales_client.post(
        IMPORT_URL, content=csv("name"), headers={"content-type": "text/csv", "authorization": ""}
    )
    assert anonymous.status_code == 401
    assert (await import_leads(sales_client, csv("name"))) == {
        "imported": 0,
        "skipped": 0,
        "errors": [],
    }

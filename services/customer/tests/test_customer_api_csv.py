"""CSV import and export over HTTP."""

import csv
import io

import httpx
from crm_shared.contracts.customer import CustomerUpdated
from crm_shared.testing import assert_problem
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import create_customer, events_of

CSV = "text/csv"

GOOD_AND_BAD = """name,kind,email,phone,tags,city,lifecycle_stage,external_id
Ann Lee,individual,ann@example.org,(415) 555-0132,vip|newsletter,Berlin,customer,
Bad Kind,alien,bad@example.org,,,,,
"Multi
Line Name",business,,,,,,ERP-9
No Phone,individual,,12,,,,
,individual,nameless@example.org,,,,,

Bob Jones,individual,bob@example.org,,,,,
"""


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def post_csv(client: httpx.AsyncClient, text: str, **headers: str) -> httpx.Response:
    return await client.post(
        "/v1/customers/import", content=text.encode(), headers={"content-type": CSV, **headers}
    )


async def test_import_keeps_good_rows_and_reports_bad_ones_by_line(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    response = await post_csv(customer_client, GOOD_AND_BAD, **as_subject("import-job"))
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["created"], summary["updated"], summary["skipped"]) == (3, 0, 0)
    errors = {error["line"]: error["errors"] for error in summary["errors"]}
    assert sorted(errors) == [3, 6, 7]  # the quoted two-line row (4-5) is good; line 8 is blank
    assert errors[3][0].startswith("kind:")
    assert errors[6][0].startswith("phone:")
    assert errors[7] == ["name: Field required"]

    customers = (await customer_client.get("/v1/customers", params={"sort": "name"})).json()[
        "items"
    ]
    assert [c["name"] for c in customers] == ["Ann Lee", "Bob Jones", "Multi\nLine Name"]
    ann = customers[0]
    assert (ann["phone"], ann["tags"], ann["geographic"]["city"]) == (
        "+14155550132",
        ["newsletter", "vip"],
        "Berlin",
    )
    assert (ann["source"], ann["lifecycle_stage"]) == ("import", "customer")
    assert len(await events_of(customer_app, "created")) == 3

    # The same file again changes nothing: every good row matches and is skipped.
    again = (await post_csv(customer_client, GOOD_AND_BAD)).json()
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 3)
    assert len(again["errors"]) == 3
    assert len(await events_of(customer_app, "created")) == 3
    assert await events_of(customer_app, "updated") == []


async def test_import_reads_the_time_zone_and_refuses_an_unknown_one(
    customer_client: httpx.AsyncClient,
) -> None:
    text = "name,kind,time_zone\nAnn Lee,individual,Pacific/Auckland\nBob,individual,Nowhere/X\n"
    summary = (await post_csv(customer_client, text)).json()
    assert summary["created"] == 1
    [error] = summary["errors"]
    assert error["line"] == 3
    assert error["errors"][0].startswith("time_zone:")
    [ann] = (await customer_client.get("/v1/customers")).json()["items"]
    assert ann["geographic"]["time_zone"] == "Pacific/Auckland"


async def test_import_updates_matched_records_without_clearing_values(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    by_email = await create_customer(
        customer_client, email="ann@example.org", geographic={"city": "Rome"}
    )
    by_phone = await create_customer(
        customer_client, name="Pat", phone="+14155550100", owner="maria"
    )
    by_external = await create_customer(customer_client, name="Erp", external_id="ERP-1")
    text = (
        "name,kind,email,phone,external_id,city,owner,lifecycle_stage\n"
        "Ann Lee,individual,ANN@example.org,,,Berlin,,lost\n"  # city changes, stage ignored
        "Pat,individual,,415-555-0100,,,,\n"  # nothing new: skipped
        "Erp Renamed,,,,ERP-1,,,\n"
    )
    summary = (await post_csv(customer_client, text)).json()
    assert summary == {"created": 0, "updated": 2, "skipped": 1, "errors": []}
    ann = (await customer_client.get(f"/v1/customers/{by_email['id']}")).json()
    assert (ann["geographic"]["city"], ann["lifecycle_stage"]) == ("Berlin", "potential")
    assert (await customer_client.get(f"/v1/customers/{by_phone['id']}")).json()["owner"] == "maria"
    assert (await customer_client.get(f"/v1/customers/{by_external['id']}")).json()[
        "name"
    ] == "Erp Renamed"
    updates = [
        e for e in await events_of(customer_app, "updated") if isinstance(e, CustomerUpdated)
    ]
    # Cells overwrite: the e-mail matched case-insensitively, and is now written as in the file.
    assert sorted(e.changed_fields for e in updates) == [["city", "email"], ["name"]]


async def test_a_row_matching_a_merged_alias_updates_its_survivor(
    customer_client: httpx.AsyncClient,
) -> None:
    survivor = await create_customer(customer_client, name="Ann")
    alias = await create_customer(customer_client, name="Ann L", email="old@example.org")
    await customer_client.post(
        f"/v1/customers/{survivor['id']}/merge",
        json={"duplicate_id": alias["id"]},
        headers={"If-Match": f'"{survivor["version"]}"'},
    )
    # The survivor took the alias's e-mail (it had none); match by id of the alias instead.
    summary = (await post_csv(customer_client, f"id,name,city\n{alias['id']},Ann,Paris\n")).json()
    assert summary["updated"] == 1
    assert (await customer_client.get(f"/v1/customers/{survivor['id']}")).json()["geographic"][
        "city"
    ] == "Paris"
    unknown = (
        await post_csv(customer_client, "id,name\n00000000-0000-0000-0000-000000000000,X\n")
    ).json()
    assert unknown["errors"][0]["line"] == 2
    assert "no customer" in unknown["errors"][0]["errors"][0]


async def test_a_row_with_a_taken_external_id_fails_alone(
    customer_client: httpx.AsyncClient,
) -> None:
    await create_customer(customer_client, name="Holder", external_id="ERP-1")
    other = await create_customer(customer_client, name="Other", email="other@example.org")
    # The row names Other by id and gives it Holder's external_id: that row alone fails.
    text = f"id,name,external_id,kind\n{other['id']},Other,ERP-1,\n,New,,individual\n"
    summary = (await post_csv(customer_client, text)).json()
    assert (summary["created"], summary["updated"]) == (1, 0)
    assert summary["errors"][0]["line"] == 2
    assert "ERP-1" in summary["errors"][0]["errors"][0]
    other_now = (await customer_client.get(f"/v1/customers/{other['id']}")).json()
    assert (other_now["external_id"], other_now["version"]) == (None, 1)


async def test_import_as_multipart_upload_with_idempotency_key(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    files = {
        "file": (
            "customers.csv",
            b"\xef\xbb\xbfname;kind;email\nAnn;individual;a@example.org\n",
            CSV,
        )
    }
    headers = {"Idempotency-Key": "import-1"}
    first = await customer_client.post("/v1/customers/import", files=files, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 1  # a BOM and semicolons, as spreadsheets write them
    again = await customer_client.post("/v1/customers/import", files=files, headers=headers)
    assert again.headers["idempotency-replayed"] == "true"
    assert again.json() == first.json()
    assert len(await events_of(customer_app, "created")) == 1


async def test_import_file_errors(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    assert_problem(
        await post_csv(customer_client, "kind,email\nindividual,a@b.org\n"), 422, contains="name"
    )
    assert_problem(
        await post_csv(customer_client, "name,shoe_size\nAnn,42\n"), 422, contains="shoe_size"
    )
    assert_problem(await post_csv(customer_client, ""), 422)
    latin1 = await customer_client.post(
        "/v1/customers/import",
        content="name\nJosé\n".encode("latin-1"),
        headers={"content-type": CSV},
    )
    assert_problem(latin1, 422, contains="UTF-8")
    wrong_type = await customer_client.post("/v1/customers/import", json={"name": "Ann"})
    assert_problem(wrong_type, 415)
    no_file = await customer_client.post(
        "/v1/customers/import", files={"other": ("x.csv", b"name\nA\n", CSV)}
    )
    assert_problem(no_file, 422, contains="file")
    customer_app.state.runtime.settings.import_max_bytes = 10
    assert_problem(await post_csv(customer_client, "name\nA rather long name\n"), 413)
    assert await events_of(customer_app, "created") == []


async def test_overflowing_rows_are_reported(customer_client: httpx.AsyncClient) -> None:
    summary = (await post_csv(customer_client, "name,kind\nAnn,individual,extra\n")).json()
    assert summary["errors"] == [
        {"line": 2, "errors": ["the row has more cells than the header has columns"]}
    ]


async def test_export_streams_filtered_csv_that_imports_back(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    customer_app.state.runtime.settings.export_batch_size = 2  # several batches
    for index in range(5):
        await create_customer(
            customer_client, name=f"Customer {index}", tags=["vip"] if index % 2 else []
        )
    ann = await create_customer(
        customer_client, name="Ann, \"the\" Lee", email="ann@example.org", tags=["vip", "b2b"],
        demographic={"birth_date": "1990-01-31"}, business={"annual_revenue": "12.50"},
        geographic={"time_zone": "Europe/Berlin"},
    )  # fmt: skip
    await customer_client.put(
        f"/v1/customers/{ann['id']}/consent/sms",
        json={"granted": True, "source": "x"},
        headers={"If-Match": f'"{ann["version"]}"'},
    )

    response = await customer_client.get("/v1/customers/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = rows_of(response.text)
    assert len(rows) == 6
    row = next(r for r in rows if r["id"] == ann["id"])
    assert row["name"] == 'Ann, "the" Lee'
    assert (row["tags"], row["birth_date"], row["annual_revenue"], row["time_zone"]) == (
        "b2b|vip",
        "1990-01-31",
        "12.50",
        "Europe/Berlin",
    )
    assert (row["consent_sms"], row["consent_email"], row["status"]) == ("true", "", "active")

    vip = rows_of(
        (
            await customer_client.get("/v1/customers/export", params={"tag": "vip", "sort": "name"})
        ).text
    )
    assert [r["name"] for r in vip] == ['Ann, "the" Lee', "Customer 1", "Customer 3"]
    assert (
        rows_of((await customer_client.get("/v1/customers/export", params={"name": "zzz"})).text)
        == []
    )
    assert_problem(await customer_client.get("/v1/customers/export", params={"phone": "abc"}), 422)
    assert_problem(await customer_client.get("/v1/customers/export", params={"kind": "alien"}), 422)

    # The export imports back as "nothing to do".
    summary = (await post_csv(customer_client, response.text)).json()
    assert summary == {"created": 0, "updated": 0, "skipped": 6, "errors": []}

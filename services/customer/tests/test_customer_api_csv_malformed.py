"""CSV import of malformed files and rows: every one refused with its line and column, never
a 500, never accepted silently. A malformed file imports nothing; a row with a control
character is refused alone (the rule of every text field: TAB, LF and CR pass)."""

from typing import Any

import httpx
import pytest
from crm_shared.testing import assert_problem
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import events_of

CSV = "text/csv"
GOOD_FIRST = "name,city\nAnn,Berlin\n"  # a good row before the fault: it must not be imported


async def post_bytes(client: httpx.AsyncClient, content: bytes) -> httpx.Response:
    return await client.post("/v1/customers/import", content=content, headers={"content-type": CSV})


async def post_csv(client: httpx.AsyncClient, text: str) -> httpx.Response:
    return await post_bytes(client, text.encode())


async def assert_refused(
    app: FastAPI, client: httpx.AsyncClient, response: httpx.Response, line: int, error: str
) -> dict[str, Any]:
    """The file was refused whole: 422, invalid-csv, one error at ``line`` that starts with
    ``error`` (its column first), and nothing imported."""
    problem = assert_problem(response, 422, contains=f"line {line}: {error}")
    assert problem["type"].endswith("/invalid-csv")
    assert [entry["line"] for entry in problem["errors"]] == [line]
    assert problem["errors"][0]["errors"][0].startswith(error)
    assert (await client.get("/v1/customers")).json()["items"] == []
    assert await events_of(app, "created") == []
    return problem


async def test_a_cell_over_the_csv_modules_limit_is_a_422_with_its_line_not_a_500(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    huge = "x" * 200_000  # more than the csv module's field limit (131,072)
    for text in (f"{GOOD_FIRST}Bob,{huge}\n", f'{GOOD_FIRST}Bob,"{huge}"\n'):
        response = await post_csv(customer_client, text)
        await assert_refused(
            customer_app, customer_client, response, 3,
            "city: the cell has more than the 10000 allowed (import_max_cell_chars)",
        )  # fmt: skip


async def test_a_cell_over_import_max_cell_chars_is_refused_with_line_and_column(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    customer_app.state.runtime.settings.import_max_cell_chars = 20
    at_limit = "x" * 20
    response = await post_csv(
        customer_client, f'name,city\n"Line\n2",{at_limit}\nBob,{at_limit}x\n'
    )
    await assert_refused(
        customer_app, customer_client, response, 4,
        "city: the cell has 21 characters, more than the 20 allowed",
    )  # fmt: skip
    # A long header cell, and a long cell past the last column, count too.
    response = await post_csv(customer_client, f"name,{at_limit}x\nAnn,\n")
    await assert_refused(customer_app, customer_client, response, 1, "column 2: the cell has 21")
    response = await post_csv(customer_client, f"name\nAnn,{at_limit}x\n")
    await assert_refused(customer_app, customer_client, response, 2, "column 2: the cell has 21")
    # At the limit, the file is read (the rows are refused by the field's own rules).
    summary = (await post_csv(customer_client, f"name,kind\nAnn,{at_limit}\n")).json()
    assert summary["errors"][0]["errors"][0].startswith("kind:")


UNCLOSED = "the quote that opens this cell is never closed"
AFTER_QUOTE = "text follows the quote that closes this cell"
QUOTE_FAULTS = {  # id: (file, line, error)
    "row": (f'{GOOD_FIRST}"Bob,Paris\nCy,Rome\n', 3, f"name: {UNCLOSED}"),
    "last-cell": (f'{GOOD_FIRST}Bob,"Paris\n', 3, f"city: {UNCLOSED}"),
    "doubled-quote-at-end": (f'{GOOD_FIRST}Bob,"Pa""ris""\n', 3, f"city: {UNCLOSED}"),
    "over-csv-limit": (f'{GOOD_FIRST}Bob,"{"x" * 200_000}\nCy,Rome\n', 3, f"city: {UNCLOSED}"),
    "header": ('name,"city\nAnn,Berlin\n', 1, f"column 2: {UNCLOSED}"),
    "after-quote": (f'{GOOD_FIRST}"Bob" Lee,Paris\n', 3, f"name: {AFTER_QUOTE}"),
    "after-multi-line-row": (f'{GOOD_FIRST}"Multi\nline",x\nBob,"Paris"x\n', 5, "city: text"),
}


@pytest.mark.parametrize(("text", "line", "error"), QUOTE_FAULTS.values(), ids=QUOTE_FAULTS)
async def test_a_quote_left_open_or_text_after_a_closing_quote_refuses_the_file(
    customer_client: httpx.AsyncClient, customer_app: FastAPI, text: str, line: int, error: str
) -> None:
    response = await post_csv(customer_client, text)
    await assert_refused(customer_app, customer_client, response, line, error)


async def test_a_column_named_twice_refuses_the_file(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    response = await post_csv(customer_client, "name,email,city, email\nAnn,a@x.org,Rome,b@x.org\n")
    await assert_refused(
        customer_app, customer_client, response, 1,
        "email: the column is named twice (columns 2 and 4)",
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["kind,email\nindividual,a@b.org\n", "\nname\nAnn\n", "", "\ufeff"],
    ids=["no-name", "blank-first-line", "empty", "only-a-bom"],
)
async def test_a_header_without_the_required_columns_refuses_the_file(
    customer_client: httpx.AsyncClient, customer_app: FastAPI, text: str
) -> None:
    response = await post_csv(customer_client, text)
    await assert_refused(
        customer_app, customer_client, response, 1,
        "the first line must be a header naming the columns, including name (missing: name)",
    )  # fmt: skip


async def test_bytes_that_are_not_utf8_refuse_the_file_with_line_and_column(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    content = b'name,city\nAnn,Berlin\n"Multi\nline",x\nBob,Z\xfcrich\n'  # Latin-1
    response = await post_bytes(customer_client, content)
    await assert_refused(
        customer_app, customer_client, response, 5,
        "city: the file is not UTF-8 text: byte 0xFC at character 2 of the cell",
    )  # fmt: skip
    response = await post_bytes(customer_client, b"name,St\xe4dt\nAnn,Berlin\n")
    await assert_refused(customer_app, customer_client, response, 1, "column 2: the file is not")


async def test_a_nul_in_the_header_refuses_the_file(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    utf16 = "name,city\nAnn,Berlin\n".encode("utf-16-le")  # no BOM: valid UTF-8, with NULs
    response = await post_bytes(customer_client, utf16)
    problem = await assert_refused(
        customer_app, customer_client, response, 1,
        "column 1: control characters are not accepted in a column name (U+0000 at character 2)",
    )  # fmt: skip
    assert "UTF-16" in problem["detail"]


async def test_a_control_character_in_a_cell_refuses_its_row_with_line_and_column(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    text = (
        "name,city,tags,kind\n"
        "Ann\x00Lee,Berlin,,individual\n"  # line 2: NUL
        'Bob,"Pa\nris\x1b",,individual\n'  # lines 3-4: ESC inside a quoted multi-line cell
        "Cy\x0b,Rome,,individual\n"  # line 5: VT at the edge, where trimming would hide it
        "\x1f,,,\n"  # line 6: a row that trimming would make blank
        "Dee,\x7fOslo,a|\x85b,individual\n"  # line 7: DEL and C1 (NEL), in two columns
        '"Eve\tTab","Multi\r\nLine\rCity",,individual\n'  # lines 8-10: TAB, CR, LF accepted
        "Fay\tTab,Lima,,individual\n"  # line 11: TAB, unquoted, too
    )
    response = await post_csv(customer_client, text)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["created"], summary["updated"], summary["skipped"]) == (2, 0, 0)
    refused = "control characters are not accepted"
    assert summary["errors"] == [
        {"line": 2, "errors": [f"name: {refused} (U+0000 at character 4)"]},
        {"line": 3, "errors": [f"city: {refused} (U+001B at character 7)"]},
        {"line": 5, "errors": [f"name: {refused} (U+000B at character 3)"]},
        {"line": 6, "errors": [f"name: {refused} (U+001F at character 1)"]},
        {
            "line": 7,
            "errors": [
                f"city: {refused} (U+007F at character 1)",
                f"tags: {refused} (U+0085 at character 3)",
            ],
        },
    ]
    customers = (await customer_client.get("/v1/customers", params={"sort": "name"})).json()
    assert [(c["name"], c["geographic"]["city"]) for c in customers["items"]] == [
        ("Eve\tTab", "Multi\r\nLine\rCity"),
        ("Fay\tTab", "Lima"),
    ]
    assert len(await events_of(customer_app, "created")) == 2


async def test_a_semicolon_file_is_read_with_the_same_rules(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    response = await post_csv(customer_client, 'name;city\nAnn;"Ber;lin"\nBob;"Paris\n')
    await assert_refused(customer_app, customer_client, response, 3, "city: the quote that opens")
    summary = (
        await post_csv(
            customer_client, 'name;city;kind\nAnn;"Ber;lin";individual\nBob\x00;x;individual\n'
        )
    ).json()
    assert (summary["created"], [e["line"] for e in summary["errors"]]) == (1, [3])

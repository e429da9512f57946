"""Credit over HTTP: receivables, the computed grade, manual grades, the audit trail."""

import uuid
from datetime import date, timedelta

import httpx
from crm_shared.contracts.customer import CustomerCreditRated
from crm_shared.testing import assert_problem
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import create_customer, events_of, if_match

TODAY = date.today()


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def invoice(
    reference: str,
    issued: int,
    due: int,
    paid: str = "0",
    paid_on: int | None = None,
    amount: str = "1000",
) -> dict:
    body = {"reference": reference, "amount": amount, "issued_on": days_ago(issued),
            "due_on": days_ago(due), "paid_amount": paid, "currency": "EUR"}  # fmt: skip
    if paid_on is not None:
        body["paid_on"] = days_ago(paid_on)
    return body


async def credit_rated(app: FastAPI) -> list[CustomerCreditRated]:
    return [e for e in await events_of(app, "credit_rated") if isinstance(e, CustomerCreditRated)]


async def test_receivables_rate_the_customer(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    base = f"/v1/customers/{acme['id']}"
    # Paid in full after 40 days: A.
    first = await customer_client.post(
        f"{base}/receivables", json=invoice("INV-1", 100, 70, "1000", 60), headers=as_subject("cc")
    )
    assert first.status_code == 201, first.text
    assert first.headers["location"] == f"{base}/receivables/{first.json()['id']}"
    assert first.json()["settled"] is True
    assert first.json()["currency"] == "EUR"
    assert first.json()["outstanding"] == "0.00"
    credit = (await customer_client.get(f"{base}/credit")).json()
    assert credit["credit_grade"] == "A"
    assert credit["credit_basis"] == "computed"
    assert credit["computed"]["longest_payment_cycle_days"] == 40

    # An unpaid invoice, issued 90 days ago and due 30 days ago: share 50 %, cycle 90 (running): D.
    second = await customer_client.post(
        f"{base}/receivables", json=invoice("INV-2", 90, 30, "0", None)
    )
    assert second.json()["settled"] is False
    credit = (await customer_client.get(f"{base}/credit")).json()
    assert credit["computed"]["collected_share"] == 0.5
    assert credit["credit_grade"] == "D"

    # The payment arrives (PATCH with If-Match), 85 days after issue: share 100 %, cycle 85: C.
    url = f"{base}/receivables/{second.json()['id']}"
    paid = await customer_client.patch(
        url,
        json={"paid_amount": "1000", "paid_on": days_ago(5)},
        headers={"If-Match": second.headers["etag"]},
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["settled"] is True
    credit = (await customer_client.get(f"{base}/credit")).json()
    assert credit["credit_grade"] == "C"

    history = (await customer_client.get(f"{base}/credit/history")).json()["items"]
    assert [(h["credit_grade"], h["basis"]) for h in history] == [
        ("A", "computed"),
        ("D", "computed"),
        ("C", "computed"),
    ]
    assert history[0]["rated_by"] == "cc"
    assert history[1]["collected_share"] == 0.5
    events = await credit_rated(customer_app)
    assert [(e.credit_grade, e.basis) for e in events] == [
        ("A", "computed"),
        ("D", "computed"),
        ("C", "computed"),
    ]
    versions = [e.customer_version for e in events]
    assert versions == sorted(versions)
    assert (await customer_client.get(base)).json()["credit"]["credit_grade"] == "C"
    listed = (await customer_client.get(f"{base}/receivables")).json()["items"]
    assert [r["reference"] for r in listed] == ["INV-1", "INV-2"]
    assert (await customer_client.get(url)).json()["paid_amount"] == "1000.00"


async def test_an_invoice_not_yet_due_does_not_rate(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    base = f"/v1/customers/{acme['id']}"
    future_due = {**invoice("INV-9", 10, 0), "due_on": (TODAY + timedelta(days=20)).isoformat()}
    assert (await customer_client.post(f"{base}/receivables", json=future_due)).status_code == 201
    credit = (await customer_client.get(f"{base}/credit")).json()
    assert credit["credit_grade"] is None
    assert credit["computed"]["receivables_counted"] == 0
    assert await credit_rated(customer_app) == []


async def test_manual_grades_need_a_reason_and_hold_until_recompute(
    customer_client: httpx.AsyncClient, customer_app: FastAPI
) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    base = f"/v1/customers/{acme['id']}"
    assert_problem(
        await customer_client.put(
            f"{base}/credit/grade", json={"credit_grade": "B"}, headers={"If-Match": "*"}
        ),
        422,
    )
    assert_problem(
        await customer_client.put(
            f"{base}/credit/grade",
            json={"credit_grade": "F", "reason": "x"},
            headers={"If-Match": "*"},
        ),
        422,
    )
    assert_problem(
        await customer_client.put(
            f"{base}/credit/grade", json={"credit_grade": "E", "reason": "malicious arrears"}
        ),
        428,
    )
    manual = await customer_client.put(
        f"{base}/credit/grade",
        json={"credit_grade": "E", "reason": "malicious arrears"},
        headers={**as_subject("cfo"), **await if_match(customer_client, f"{base}/credit")},
    )
    assert manual.status_code == 200, manual.text
    assert (manual.json()["credit_grade"], manual.json()["credit_basis"]) == ("E", "manual")

    # New receivables are recorded, but do not override the manual grade.
    await customer_client.post(f"{base}/receivables", json=invoice("INV-1", 60, 40, "1000", 50))
    assert (await customer_client.get(f"{base}/credit")).json()["credit_grade"] == "E"

    operating = await customer_client.put(
        f"{base}/credit/operating-grade",
        json={"operating_grade": "grade_2", "reason": "loss, improving"},
        headers=await if_match(customer_client, base),
    )
    assert operating.json()["operating_grade"] == "grade_2"
    assert_problem(
        await customer_client.put(
            f"{base}/credit/operating-grade",
            json={"operating_grade": "grade_9", "reason": "x"},
            headers={"If-Match": "*"},
        ),
        422,
    )

    assert_problem(await customer_client.post(f"{base}/credit/recompute"), 428)
    recomputed = await customer_client.post(
        f"{base}/credit/recompute",
        json={"reason": "arrears settled"},
        headers={"If-Match": operating.headers["etag"]},
    )
    assert recomputed.status_code == 200, recomputed.text
    assert (recomputed.json()["credit_grade"], recomputed.json()["credit_basis"]) == (
        "A",
        "computed",
    )
    assert recomputed.json()["operating_grade"] == "grade_2"
    # A recompute with no body is allowed too; it records a rating even if nothing changed.
    again = await customer_client.post(
        f"{base}/credit/recompute", headers={"If-Match": recomputed.headers["etag"]}
    )
    assert again.status_code == 200, again.text

    history = (await customer_client.get(f"{base}/credit/history")).json()["items"]
    assert [
        (h["changed"], h["basis"], h["credit_grade"], h["operating_grade"], h["reason"])
        for h in history
    ] == [
        ("credit_grade", "manual", "E", None, "malicious arrears"),
        ("operating_grade", "manual", "E", "grade_2", "loss, improving"),
        ("credit_grade", "computed", "A", "grade_2", "arrears settled"),
        ("credit_grade", "computed", "A", "grade_2", "recompute requested"),
    ]
    assert history[0]["rated_by"] == "cfo"
    events = await credit_rated(customer_app)
    assert [(e.credit_grade, e.operating_grade, e.basis) for e in events] == [
        ("E", None, "manual"),
        ("E", "grade_2", "manual"),
        ("A", "grade_2", "computed"),
        ("A", "grade_2", "computed"),
    ]
    assert events[0].reason == "malicious arrears"
    assert events[0].rated_by == "cfo"


async def test_receivable_errors(customer_client: httpx.AsyncClient) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    base = f"/v1/customers/{acme['id']}"
    good = invoice("INV-1", 30, 10)
    for bad in (
        {**good, "amount": "0"},
        {**good, "amount": "0.00"},
        {**good, "amount": "1.001"},
        {**good, "amount": 1000},  # money travels as a decimal string, never a float
        {**good, "amount": "1e3"},
        {**good, "amount": "1234567890123"},  # 13 digits before the point
        {**good, "paid_amount": "-1"},
        {**good, "currency": "EURO"},
        {**good, "currency": "eur"},  # ISO 4217 codes are upper case
        {**good, "currency": "XYZ"},  # not an ISO 4217 code
        {**good, "unknown": 1},
    ):
        assert_problem(await customer_client.post(f"{base}/receivables", json=bad), 422)
    for inconsistent in (
        {**good, "due_on": days_ago(40)},  # due before issued
        {**good, "paid_amount": "2000", "paid_on": days_ago(1)},  # more than owed
        {**good, "paid_amount": "10"},  # a payment without its day
        {**good, "paid_amount": "10", "paid_on": days_ago(-3)},  # paid in the future
    ):
        problem = assert_problem(
            await customer_client.post(f"{base}/receivables", json=inconsistent), 422
        )
        assert problem["type"].endswith("/inconsistent-receivable")
    created = await customer_client.post(f"{base}/receivables", json=good)
    assert created.status_code == 201
    twin = await customer_client.post(f"{base}/receivables", json=good)
    assert_problem(twin, 409, contains="already recorded")
    url = f"{base}/receivables/{created.json()['id']}"
    assert_problem(await customer_client.patch(url, json={"paid_amount": "5"}), 428)
    assert_problem(
        await customer_client.patch(
            url, json={"paid_amount": "5", "paid_on": days_ago(1)}, headers={"If-Match": '"4"'}
        ),
        412,
    )
    assert_problem(
        await customer_client.patch(url, json={"paid_amount": "5"}, headers={"If-Match": '"1"'}),
        422,
        contains="paid_on",
    )
    assert_problem(await customer_client.get(f"{base}/receivables/{uuid.uuid4()}"), 404)
    missing = f"/v1/customers/{uuid.uuid4()}"
    for method, path in (
        ("GET", "/credit"),
        ("GET", "/credit/history"),
        ("GET", "/receivables"),
        ("POST", "/credit/recompute"),
    ):
        response = await customer_client.request(
            method, f"{missing}{path}", headers={"If-Match": "*"}
        )
        assert_problem(response, 404)
    assert_problem(await customer_client.post(f"{missing}/receivables", json=good), 404)
    stale = await customer_client.put(
        f"{base}/credit/grade",
        json={"credit_grade": "A", "reason": "x"},
        headers={"If-Match": '"99"'},
    )
    assert_problem(stale, 412)


async def test_credit_history_and_receivables_are_pages(customer_client: httpx.AsyncClient) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    base = f"/v1/customers/{acme['id']}"
    for number in range(3):
        reference = f"INV-{number}"
        body = invoice(reference, 100 - number, 70 - number, "1000", 60 - number)
        assert (await customer_client.post(f"{base}/receivables", json=body)).status_code == 201
    for reason in ("first", "second"):
        response = await customer_client.post(
            f"{base}/credit/recompute",
            json={"reason": reason},
            headers=await if_match(customer_client, base),
        )
        assert response.status_code == 200, response.text

    async def walk(path: str, key: str) -> list[str]:
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 1, "total": "true", **({"cursor": cursor} if cursor else {})}
            body = (await customer_client.get(f"{base}{path}", params=params)).json()
            assert body["limit"] == 1
            seen += [str(item[key]) for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                assert body["total"] == len(seen)
                return seen

    assert await walk("/receivables", "reference") == ["INV-0", "INV-1", "INV-2"]
    assert await walk("/credit/history", "reason") == ["receivables changed", "first", "second"]
    history = (await customer_client.get(f"{base}/credit/history", params={"cursor": ""})).json()
    assert history["total"] is None
    assert_problem(
        await customer_client.get(f"{base}/receivables", params={"cursor": "eyJpZCI6MX0"}), 400
    )

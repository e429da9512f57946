"""The filter language compiled to SQL: every field and operator through the preview, on
SQLite and PostgreSQL; bad filters are 422 problems naming what is wrong."""

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.contracts.customer import ConsentChannel, CustomerKind, LifecycleStage
from crm_shared.testing import assert_problem, at, created, erased, uid
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver
from services.analytics.tests.segments_harness import NOW, score_row, write_scores

ADA, BOB, CAT, DAN, EVE = (uid(name) for name in ("ada", "bob", "cat", "dan", "eve"))
EVERYONE = {ADA, BOB, CAT, DAN}  # EVE is erased: never a member


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)  # today 2026-06-15


async def seed(app: FastAPI) -> None:
    await deliver(app, created(
        ADA, birth_date=date(2001, 6, 15), industry="retail", region="North", city="Leeds",
        tags=["vip", "newsletter"], segmentation={"occupation": "engineer"},
        consent={ConsentChannel.EMAIL: True, ConsentChannel.SMS: False},
        lifecycle_stage=LifecycleStage.CUSTOMER,
    ), at(0))  # fmt: skip
    await deliver(app, created(
        BOB, birth_date=date(2001, 6, 16), industry="wholesale", region="South", city="Bath",
        tags=["newsletter"], segmentation={"occupation": "teacher"},
        consent={ConsentChannel.SMS: True}, kind=CustomerKind.BUSINESS,
    ), at(1))  # fmt: skip
    await deliver(app, created(
        CAT, birth_date=date(1950, 1, 1), industry=None, region="North", city=None, tags=[],
        segmentation={}, consent={},
    ), at(2))  # fmt: skip
    await deliver(app, created(
        DAN, birth_date=None, industry="retail", region=None, city="York", tags=[],
        segmentation={"occupation": "engineer"}, consent={ConsentChannel.EMAIL: False},
    ), at(3))  # fmt: skip
    await deliver(app, created(EVE, industry="retail"), at(4))
    await deliver(app, erased(EVE, 2, erased_at=at(5)), at(5))
    await write_scores(
        app,
        score_row(
            ADA,
            orders=5,
            monetary_total=Decimal("500.00"),
            recency_days=10,
            rfm_segment="champions",
            abc_class="A",
            value_class="VIP",
            churn_score=0.1,
            churn_level="low",
            predicted_value=900.0,
            probability_alive=0.95,
        ),
        score_row(
            BOB,
            orders=2,
            monetary_total=Decimal("250.00"),
            recency_days=200,
            rfm_segment="at_risk",
            abc_class="B",
            value_class="B",
            churn_score=0.7,
            churn_level="high",
            predicted_value=80.0,
            probability_alive=0.4,
        ),
        score_row(
            CAT,
            orders=1,
            monetary_total=Decimal("99.99"),
            recency_days=400,
            rfm_segment="lost",
            abc_class="C",
            value_class="C",
            churn_score=0.5,
            churn_level="medium",
        ),
        score_row(EVE, orders=9, monetary_total=Decimal("9000.00")),
    )  # fmt: skip  (DAN has no score row: nothing bought)


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, **({"value": value} if value is not None else {})}


CASES: list[tuple[dict[str, Any], set[str]]] = [
    # ADA turns 25 today; BOB is 24 until tomorrow; DAN's birth date is unknown.
    (cond("age_band", "eq", "25-34"), {ADA}),
    (cond("age_band", "in", ["18-24", "65+"]), {BOB, CAT}),
    (cond("age_band", "ne", "25-34"), {BOB, CAT, DAN}),
    (cond("age_band", "not_in", ["18-24", "25-34"]), {CAT, DAN}),
    (cond("age_band", "exists"), {ADA, BOB, CAT}),
    (cond("age_band", "exists", False), {DAN}),
    # A bound belongs to the band above it: 250 is 250-500, 500 is >500; no scores: 0.
    (cond("spend_band", "eq", "<100"), {CAT, DAN}),
    (cond("spend_band", "eq", "250-500"), {BOB}),
    (cond("spend_band", "in", [">500", "100-250"]), {ADA}),
    (cond("industry", "eq", "retail"), {ADA, DAN}),
    (cond("industry", "ne", "retail"), {BOB, CAT}),
    (cond("industry", "in", ["wholesale", "mining"]), {BOB}),
    (cond("industry", "not_in", ["wholesale"]), {ADA, CAT, DAN}),
    (cond("industry", "exists", False), {CAT}),
    (cond("occupation", "eq", "engineer"), {ADA, DAN}),
    (cond("occupation", "exists"), {ADA, BOB, DAN}),
    (cond("customer_type", "eq", "business"), {BOB}),
    (cond("region", "in", ["North"]), {ADA, CAT}),
    (cond("city", "ne", "Leeds"), {BOB, CAT, DAN}),
    (cond("lifecycle_stage", "eq", "customer"), {ADA}),
    (cond("rfm_segment", "in", ["champions", "at_risk"]), {ADA, BOB}),
    (cond("abc_class", "eq", "C"), {CAT}),
    (cond("value_class", "eq", "VIP"), {ADA}),
    (cond("churn_risk", "eq", "high"), {BOB}),
    (cond("churn_risk", "exists", False), {DAN}),
    (cond("monetary_total", "gte", 250), {ADA, BOB}),
    (cond("monetary_total", "lte", 99.99), {CAT, DAN}),
    (cond("monetary_total", "eq", 0), {DAN}),
    (cond("orders", "between", [1, 2]), {BOB, CAT}),
    (cond("orders", "ne", 5), {BOB, CAT, DAN}),
    (cond("orders", "between", [5, 1]), set()),
    (cond("recency_days", "gte", 200), {BOB, CAT}),
    (cond("recency_days", "exists"), {ADA, BOB, CAT}),
    (cond("churn_score", "between", [0.5, 0.7]), {BOB, CAT}),
    (cond("clv_predicted", "gte", 100), {ADA}),
    (cond("probability_alive", "lte", 0.5), {BOB}),
    (cond("tags", "contains", "newsletter"), {ADA, BOB}),
    (cond("tags", "exists"), {ADA, BOB}),
    (cond("tags", "exists", False), {CAT, DAN}),
    (cond("consent", "contains", "email"), {ADA}),
    (cond("consent", "contains", "sms"), {BOB}),
    # Combinations; not is the exact complement (unknown values included).
    ({"all": [cond("industry", "eq", "retail"), cond("tags", "contains", "vip")]}, {ADA}),
    ({"any": [cond("churn_risk", "eq", "high"), cond("age_band", "eq", "65+")]}, {BOB, CAT}),
    ({"not": cond("industry", "eq", "retail")}, {BOB, CAT}),
    ({"not": {"any": [cond("region", "eq", "North"), cond("orders", "gte", 2)]}}, {DAN}),
]


async def test_every_field_and_operator_selects_the_right_customers(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app)
    wrong = []
    for filter_, expected in CASES:
        response = await client.post("/v1/segments/preview", json={"filter": filter_})
        assert response.status_code == 200, (filter_, response.text)
        body = response.json()
        got = set(body["sample"])
        if got != expected or body["size"] != len(expected):
            wrong.append((filter_, sorted(got), sorted(expected)))
    assert wrong == []


async def test_only_active_customers_match_and_the_sample_is_bounded(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(app)
    everyone = {"not": cond("orders", "eq", -1)}
    response = await client.post("/v1/segments/preview", json={"filter": everyone})
    assert response.json() == {"size": 4, "sample": sorted(EVERYONE)}


@pytest.mark.parametrize(
    ("filter_", "says"),
    [
        (cond("shoe_size", "eq", "42"), "unknown field 'shoe_size': one of age_band"),
        (cond("industry", "gte", 5), "takes the operators eq, exists, in, ne, not_in"),
        (cond("orders", "contains", "x"), "takes the operators between"),
        (cond("orders", "eq", "many"), "a valid number"),
        (cond("orders", "gte", True), "a valid number"),
        (cond("industry", "in", "retail"), "a valid list"),
        (cond("industry", "eq", 5), "a valid string"),
        (cond("consent", "contains", "fax"), "'email', 'sms', 'phone' or 'post'"),
        (cond("consent", "exists"), "takes the operators contains"),
        ({"all": []}, "at least 1 item"),
        ({"both": [cond("orders", "eq", 1)]}, "a filter is"),
        ({"field": "orders", "op": "eq", "value": 1, "extra": 1}, "Extra inputs"),
        (cond("age_band", "eq", "30-39"), "'30-39' is not a band"),
        (cond("spend_band", "in", ["<100", "lots"]), "'lots' is not a band"),
        (
            {"not": {"not": {"not": {"not": {"not": {"not": cond("orders", "eq", 1)}}}}}},
            "at most 6 levels",
        ),
        ({"any": [cond("orders", "eq", n) for n in range(101)]}, "at most 100"),
    ],
)
async def test_a_bad_filter_is_a_422_problem_saying_what_is_wrong(
    client: httpx.AsyncClient, filter_: dict[str, Any], says: str
) -> None:
    for url, body in (
        ("/v1/segments/preview", {"filter": filter_}),
        ("/v1/segments", {"name": "Bad", "filter": filter_}),
    ):
        response = await client.post(url, json=body)
        problem = assert_problem(response, 422)
        assert says.lower() in str(problem).lower(), problem

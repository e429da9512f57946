"""The churn decision tree on a generated history whose rule is known, its features by hand,
the vectorised prediction and the "not enough history" refusal."""

from datetime import UTC, date, datetime, timedelta

import httpx
import numpy as np
import pytest
from crm_analytics.churn.repository import churn_features
from crm_analytics.churn.tree import FEATURE_NAMES, predict, rule_for
from crm_analytics.scores.models import CustomerScore
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing.problems import assert_problem
from fastapi import FastAPI

from services.analytics.tests.churn_history import History, days_before

NOW = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
AS_OF = date(2026, 7, 1)
CUT = datetime(2026, 1, 2, tzinfo=UTC)  # AS_OF - 180 days (the default horizon)


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


def known_rule_history() -> History:
    """Churned exactly when a customer complained and had not bought for over 60 days at the
    cut: 80 such customers churn; 80 as inactive without a complaint, 60 recent
    complainers and 80 recent quiet ones buy again after the cut."""
    history = History()
    groups = (("gone", 80, True, False), ("quiet", 80, False, True),
              ("vocal", 60, True, True), ("happy", 80, False, True))  # fmt: skip
    for name, size, complained, buys_again in groups:
        inactive = name in ("gone", "quiet")
        for number in range(size):
            customer = f"{name}-{number}"
            last = days_before(CUT, 90 + number % 61 if inactive else 5 + number % 36)
            for order in range(4):
                history.order(customer, last - timedelta(days=30 * order))
            if complained:
                history.complaint(customer, last - timedelta(days=10))
            if buys_again:
                history.order(customer, CUT + timedelta(days=20 + number % 100))
    return history


async def test_the_tree_learns_the_known_rule(app: FastAPI, client: httpx.AsyncClient) -> None:
    await known_rule_history().write(app)

    response = await client.post("/v1/models/churn/fit", json={})

    assert response.status_code == 200, response.text
    model = response.json()
    assert (model["as_of"], model["cut"], model["horizon_days"]) == (
        "2026-07-01",
        "2026-01-02",
        180,
    )
    assert (model["customers"], model["churned"], model["test_customers"]) == (300, 80, 75)
    assert (model["accuracy"], model["auc"]) == (1.0, 1.0)
    root = model["tree"]
    # Complaints split off every quiet customer; among complainers, inactivity decides.
    assert (root["feature"], root["threshold"]) == ("complaints", 0.5)
    assert root["le"] == {"probability": 0.0, "customers": 160, "churned": 0}
    inactivity = root["gt"]
    assert inactivity["feature"] == "days_since_last_purchase"
    assert 40 < inactivity["threshold"] < 90  # the truth: between 40 and 90 days
    assert inactivity["gt"] == {"probability": 1.0, "customers": 80, "churned": 80}
    assert inactivity["le"] == {"probability": 0.0, "customers": 60, "churned": 0}
    days = int(inactivity["threshold"])
    inactive = f"complaints ≥ 1 and days since last purchase ≥ {days + 1}"
    assert model["rules"] == [
        "if complaints ≤ 0 then churn 0 % (160 customers)",
        f"if complaints ≥ 1 and days since last purchase ≤ {days} then churn 0 % (60 customers)",
        f"if {inactive} then churn 100 % (80 customers)",
    ]

    newest = await client.get("/v1/models/churn")
    assert newest.status_code == 200
    assert newest.json() == model
    assert [feature["name"] for feature in model["features"]] == FEATURE_NAMES


async def test_prediction_walks_the_stored_tree_for_every_row(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await known_rule_history().write(app)
    tree = (await client.post("/v1/models/churn/fit", json={"as_of": "2026-07-01"})).json()["tree"]

    async with app.state.runtime.session_factory() as session:
        ids, features = await churn_features(session, None, CUT)
    probabilities = predict(tree, features)

    churned = np.array([customer.startswith("gone-") for customer in ids])
    assert len(ids) == 300
    assert (probabilities[churned] == 1.0).all()
    assert (probabilities[~churned] == 0.0).all()
    gone = features[ids.index("gone-0")]
    assert rule_for(tree, gone).endswith("then churn 100 % (80 customers)")
    assert rule_for(tree, features[ids.index("happy-0")]).startswith("if complaints ≤ 0")


async def test_features_as_of_a_day_by_hand(app: FastAPI) -> None:
    history = History()
    # c1 bought 10, 40 and 250 days before the cut (one more after it, one cancelled);
    # its merged alias bought 100 days before; two complaints (one open), a breach, surveys.
    for days, total in ((10, "50.00"), (40, "30.00"), (250, "200.00")):
        history.order("c1", days_before(CUT, days), total)
    history.order("c1", CUT + timedelta(days=3))
    history.order("c1", days_before(CUT, 5), "999.00", cancelled=True)
    history.order("old-c1", days_before(CUT, 100), "20.00")
    history.alias("old-c1", "c1", days_before(CUT, 1))
    ticket = history.complaint("c1", days_before(CUT, 30))
    history.complaint("old-c1", days_before(CUT, 20), status="investigating")
    history.complaint("c1", CUT + timedelta(days=1))  # after the cut: not counted
    history.breach("c1", ticket, days_before(CUT, 29))
    history.survey("c1", days_before(CUT, 28), [("speed", 2, 4), ("care", 3, 3)])
    history.survey("c1", days_before(CUT, 8), [("speed", 4, None)])
    history.order("c2", days_before(CUT, 7))
    await history.write(app)

    async with app.state.runtime.session_factory() as session:
        ids, features = await churn_features(session, ["c1"], CUT)
        all_ids, _ = await churn_features(session, None, CUT)

    assert (ids, all_ids) == (["c1"], ["c1", "c2"])
    assert dict(zip(FEATURE_NAMES, features[0].tolist(), strict=True)) == {
        "days_since_last_purchase": 10.0,
        "usual_gap_days": 80.0,  # (250 - 10) / 3 gaps
        "orders_recent": 3.0,  # 10, 40, 100 days before
        "orders_before": 1.0,  # 250 days before
        "spend_recent": 100.0,
        "spend_before": 200.0,
        "complaints": 2.0,
        "open_complaints": 1.0,
        "breaches": 1.0,
        "mean_survey_score": 3.25,  # the surveys' means 2.5 and 4
    }


async def test_not_enough_history_is_refused_with_the_counts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    history = History()
    for number in range(5):
        history.order(f"c{number}", days_before(CUT, 30))
    await history.write(app)

    missing = await client.get("/v1/models/churn")
    refused = await client.post("/v1/models/churn/fit")
    future = await client.post("/v1/models/churn/fit", json={"as_of": "2026-07-02"})

    assert_problem(missing, 404, contains="no churn model")
    problem = assert_problem(refused, 409, contains="not enough history")
    assert (problem["customers"], problem["churned"], problem["stayed"]) == (5, 5, 0)
    assert (problem["min_customers"], problem["min_per_class"]) == (200, 20)
    assert_problem(future, 422, contains="as_of")


async def test_the_learnt_rule_weighs_in_the_churn_risk(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await known_rule_history().write(app)
    assert (await client.post("/v1/models/churn/fit", json={})).status_code == 200

    run = await client.post("/v1/scores/run", json={})

    assert run.status_code == 200, run.text
    async with app.state.runtime.session_factory() as session:
        gone = await session.get(CustomerScore, "gone-0")
        happy = await session.get(CustomerScore, "happy-0")
    assert gone is not None
    assert happy is not None
    learnt = [reason for reason in gone.churn_reasons if reason["code"] == "learnt_rule"]
    assert learnt[0]["detail"].endswith("then churn 100 % (80 customers)")
    assert gone.churn_level == "high"
    assert all(reason["code"] != "learnt_rule" for reason in happy.churn_reasons)

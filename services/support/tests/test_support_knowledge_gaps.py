"""/v1/knowledge/gaps: the questions resolved in a week or month without a standard answer,
and the answers' use in it."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from crm_shared.testing import assert_problem, bearer, token_for
from crm_support.settings import SupportSettings
from crm_support.tickets.models import Ticket
from fastapi import FastAPI

from services.support.tests.support_builders import (
    report_insert,
    report_ticket,
    use_answer,
    write_answer,
)

WEEK_50 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # the clock's Monday
WEEK_49 = WEEK_50 - timedelta(days=6)


@pytest.fixture
def support_settings(support_database_url: str, tmp_path: Path) -> SupportSettings:
    """One ticket id listed per gap, so that the list is seen to be cut."""
    return SupportSettings(
        database_url=support_database_url, data_dir=tmp_path, knowledge_gap_ticket_ids=1
    )


async def test_the_gaps_of_a_week_and_the_answers_used_in_it(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    def resolved(at: datetime | None, kind: str = "inquiry", **fields: str) -> Ticket:
        values = {"kind": kind, "category": "billing", "resolved_at": at, **fields}
        return report_ticket(WEEK_49, **values)

    first = resolved(WEEK_50 + timedelta(hours=1))
    second = resolved(WEEK_50 + timedelta(hours=2))
    delivery = resolved(WEEK_50, kind="request", category="delivery", cause="waiting")
    answered = resolved(WEEK_50 + timedelta(hours=3))
    complaint = resolved(WEEK_50, kind="complaint")
    last_week = resolved(WEEK_49)
    still_open = resolved(None)
    await report_insert(
        support_app, first, second, delivery, answered, complaint, last_week, still_open
    )
    answer = await write_answer(support_client)
    unused = await write_answer(support_client, title="Never used")
    used = await use_answer(support_client, answered.id, answer["id"], rating=4)
    assert used.status_code == 201, used.text
    await use_answer(support_client, last_week.id, answer["id"], rating=2, helpful=False)

    response = await support_client.get(
        "/v1/knowledge/gaps", params={"period": "2026-W50"}, headers=bearer(token_for("analyst"))
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period"]["label"] == "2026-W50"
    assert report["kind"] == "inquiry_or_request"
    assert report["unanswered"] == 3
    assert report["gaps"] == [
        {"category": "billing", "cause": None, "count": 2, "ticket_ids": [first.id]},
        {"category": "delivery", "cause": "waiting", "count": 1, "ticket_ids": [delivery.id]},
    ]
    [usage] = report["usage"]
    assert usage["answer_id"] == answer["id"]
    assert usage["answer_id"] != unused["id"]
    assert (usage["uses"], usage["ratings"], usage["mean_rating"]) == (2, 2, 3.0)
    assert (usage["helpful"], usage["not_helpful"], usage["active"]) == (0, 1, True)

    every = await support_client.get(
        "/v1/knowledge/gaps", params={"period": "2026-W50", "kind": "all"}
    )
    assert every.json()["unanswered"] == 4
    assert every.json()["gaps"][0]["count"] == 3  # the complaint joins billing
    complaints = await support_client.get(
        "/v1/knowledge/gaps", params={"period": "2026-12", "kind": "complaint"}
    )
    assert complaints.json()["unanswered"] == 1

    earlier = await support_client.get("/v1/knowledge/gaps", params={"period": "2026-W49"})
    assert earlier.json()["unanswered"] == 0  # last week's was answered (this week)
    assert earlier.json()["usage"] == []


async def test_a_period_that_does_not_exist_is_refused(support_client: httpx.AsyncClient) -> None:
    response = await support_client.get("/v1/knowledge/gaps", params={"period": "2026-W60"})
    assert assert_problem(response, 422)["type"].endswith("/invalid-period")

"""The agent's follow-up survey: /v1/surveys/questionnaire, /v1/tickets/{id}/survey."""

import httpx
import pytest
from crm_shared.testing import assert_problem, bearer, outbox_events, token_for
from crm_shared.testing.auth import as_subject
from fastapi import FastAPI

from services.support.tests.support_builders import history_kinds, insert_ticket

ALL_GOOD = [
    {"item": "problem_fixed", "score": 5, "expected": 4},
    {"item": "speed", "score": 4},
]


async def test_the_questionnaire_has_its_version_and_items(
    support_client: httpx.AsyncClient,
) -> None:
    response = await support_client.get(
        "/v1/surveys/questionnaire", headers=bearer(token_for("analyst"))
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "version": 1,
        "items": ["problem_fixed", "questions_answered", "staff_attitude", "speed", "overall"],
    }


async def test_an_agent_records_the_survey_and_it_is_published(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app, owner="agent-7", department="returns")
    response = await support_client.post(
        f"/v1/tickets/{ticket_id}/survey",
        json={"answers": ALL_GOOD, "comment": "Quick and kind."},
        headers=as_subject("agent-7", "support"),
    )
    assert response.status_code == 201, response.text
    survey = response.json()
    assert response.headers["Location"] == f"/v1/tickets/{ticket_id}/survey"
    assert survey["ticket_id"] == ticket_id
    assert survey["answered_by"] == "agent-7"
    assert survey["questionnaire_version"] == 1
    assert survey["answered_at"] == "2026-12-07T09:00:00Z"
    assert survey["dissatisfied"] is False
    assert [
        (a["item"], a["score"], a["expected"], a["satisfaction"]) for a in survey["answers"]
    ] == [
        ("problem_fixed", 5, 4, 1.25),
        ("speed", 4, None, None),
    ]
    [event] = await outbox_events(support_app, "survey_answered")
    assert event.key == survey["customer_id"]
    assert event.payload.survey_id == survey["id"]
    assert event.payload.department == "returns"
    assert event.payload.owner == "agent-7"
    assert [a.item for a in event.payload.answers] == ["problem_fixed", "speed"]
    [entry] = await history_kinds(support_app, ticket_id, "survey")
    assert (entry.kind, entry.actor) == ("survey", "agent-7")
    assert entry.details["dissatisfied"] is False

    read = await support_client.get(f"/v1/tickets/{ticket_id}/survey")
    assert read.status_code == 200
    assert read.json() == survey


async def test_a_low_score_is_dissatisfied(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app, status="closed")
    response = await support_client.post(
        f"/v1/tickets/{ticket_id}/survey",
        json={"answers": [{"item": "problem_fixed", "score": 2}, {"item": "overall", "score": 5}]},
    )
    assert response.status_code == 201, response.text
    assert response.json()["dissatisfied"] is True
    [entry] = await history_kinds(support_app, ticket_id, "survey")
    assert entry.details["dissatisfied"] is True
    # A dissatisfied answer opens a complaint at once, for the same customer.
    listed = await support_client.get(f"/v1/tickets?customer_id={response.json()['customer_id']}")
    opened = [t for t in listed.json()["items"] if t["id"] != ticket_id]
    assert [(t["kind"], t["category"], t["status"]) for t in opened] == [
        ("complaint", "service_quality", "received")
    ]


async def test_a_satisfied_answer_on_a_resolved_ticket_is_its_follow_up(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app, status="resolved")
    response = await support_client.post(
        f"/v1/tickets/{ticket_id}/survey", json={"answers": [{"item": "overall", "score": 5}]}
    )
    assert response.status_code == 201, response.text
    ticket = (await support_client.get(f"/v1/tickets/{ticket_id}")).json()
    assert ticket["status"] == "follow_up_done"


@pytest.mark.parametrize(
    ("answers", "contains"),
    [
        ([{"item": "mood", "score": 3}, {"item": "colour", "score": 3}], "colour, mood"),
        ([{"item": "speed", "score": 3}, {"item": "speed", "score": 4}], "more than once"),
        ([{"item": "speed", "score": 6}], "less than or equal to 5"),
        ([{"item": "speed", "score": 3, "expected": 0}], "greater than or equal to 1"),
        ([], "at least 1"),
    ],
)
async def test_answers_outside_the_questionnaire_are_refused(
    support_app: FastAPI, support_client: httpx.AsyncClient, answers: list[object], contains: str
) -> None:
    ticket_id = await insert_ticket(support_app)
    response = await support_client.post(
        f"/v1/tickets/{ticket_id}/survey", json={"answers": answers}
    )
    assert_problem(response, 422, contains=contains)
    assert await outbox_events(support_app, "survey_answered") == []


async def test_a_ticket_not_yet_resolved_cannot_be_surveyed(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app, status="investigating", resolved_at=None)
    response = await support_client.post(
        f"/v1/tickets/{ticket_id}/survey", json={"answers": ALL_GOOD}
    )
    body = assert_problem(response, 409, contains="once resolved")
    assert body["type"].endswith("/ticket-not-resolved")


async def test_a_second_survey_is_refused_and_a_retry_is_replayed(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app)
    url = f"/v1/tickets/{ticket_id}/survey"
    key = {"Idempotency-Key": "survey-1"}
    first = await support_client.post(url, json={"answers": ALL_GOOD}, headers=key)
    assert first.status_code == 201, first.text
    retry = await support_client.post(url, json={"answers": ALL_GOOD}, headers=key)
    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    second = await support_client.post(url, json={"answers": ALL_GOOD})
    body = assert_problem(second, 409, contains="has its survey already")
    assert body["type"].endswith("/survey-exists")
    assert len(await outbox_events(support_app, "survey_answered")) == 1


async def test_unknown_tickets_and_missing_surveys_are_404(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(
        await support_client.post(f"/v1/tickets/{missing}/survey", json={"answers": ALL_GOOD}),
        404,
    )
    ticket_id = await insert_ticket(support_app)
    assert_problem(await support_client.get(f"/v1/tickets/{ticket_id}/survey"), 404)


async def test_an_analyst_reads_but_does_not_answer(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app)
    response = await support_client.post(
        f"/v1/tickets/{ticket_id}/survey",
        json={"answers": ALL_GOOD},
        headers=bearer(token_for("analyst")),
    )
    assert_problem(response, 403)

"""The customer's signed survey link: /v1/tickets/{id}/survey-link and the public pages
/v1/surveys/{token} (HTML, no login)."""

import stat
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import assert_problem, outbox_events
from crm_support.surveys.links import KEY_FILE
from fastapi import FastAPI

from services.support.tests.support_builders import history_kinds, insert_ticket

FORM = {"score-problem_fixed": "2", "expected-problem_fixed": "5", "score-overall": "4"}


async def link_for(client: httpx.AsyncClient, ticket_id: str) -> str:
    """The path of a new link to the ticket's survey."""
    response = await client.post(f"/v1/tickets/{ticket_id}/survey-link")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["url"].startswith("http://127.0.0.1:8004/v1/surveys/")
    assert body["expires_at"] == "2026-12-21T09:00:00Z"  # 14 days
    return urlsplit(body["url"]).path


async def test_the_customer_answers_through_the_link(
    support_app: FastAPI, support_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    ticket_id = await insert_ticket(support_app)
    path = await link_for(support_client, ticket_id)
    assert ticket_id not in path  # the token is signed, and says nothing readable
    public = httpx.AsyncClient(transport=support_client._transport, base_url="http://support")

    form = await public.get(path)
    assert form.status_code == 200, form.text
    assert form.headers["content-type"].startswith("text/html")
    assert form.headers["cache-control"] == "no-store"
    page = form.text
    assert '<html lang="en">' in page
    assert "<legend>Was your problem fixed?</legend>" in page
    assert '<label for="q1-score-1">1 (very poor)</label>' in page
    assert 'name="expected-speed"' in page
    assert '<textarea id="comment" name="comment"' in page
    assert "<script" not in page
    assert "http" not in page.split("<body>")[1]  # no external asset

    answered = await public.post(path, data={**FORM, "comment": "Took <long>."})
    assert answered.status_code == 201, answered.text
    assert answered.headers["content-type"].startswith("text/html")
    assert "Thank you" in answered.text

    survey = (await support_client.get(f"/v1/tickets/{ticket_id}/survey")).json()
    assert survey["answered_by"] == "customer"
    assert survey["comment"] == "Took <long>."
    assert survey["dissatisfied"] is True
    assert [(a["item"], a["score"], a["expected"]) for a in survey["answers"]] == [
        ("problem_fixed", 2, 5),
        ("overall", 4, None),
    ]
    [event] = await outbox_events(support_app, "survey_answered")
    assert event.payload.answered_by == "customer"
    [entry] = await history_kinds(support_app, ticket_id, "survey")
    assert (entry.kind, entry.actor) == ("survey", "customer")

    again = await public.get(path)
    assert again.status_code == 409
    assert "answered already" in again.text
    twice = await public.post(path, data=FORM)
    assert twice.status_code == 409
    assert twice.headers["content-type"].startswith("text/html")

    key = tmp_path / KEY_FILE  # generated once, for its owner only
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


async def test_a_tampered_link_is_not_found_and_says_nothing(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app)
    path = await link_for(support_client, ticket_id)
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    for response in (
        await support_client.get(tampered),
        await support_client.post(tampered, data=FORM),
        await support_client.get("/v1/surveys/not-a-token"),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert ticket_id not in response.text
    assert await outbox_events(support_app, "survey_answered") == []


async def test_an_expired_link_is_gone(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    ticket_id = await insert_ticket(support_app)
    path = await link_for(support_client, ticket_id)
    clock.advance(timedelta(days=13, hours=23))
    assert (await support_client.get(path)).status_code == 200
    clock.advance(timedelta(hours=2))
    form = await support_client.get(path)
    assert form.status_code == 410
    assert "expired" in form.text
    assert (await support_client.post(path, data=FORM)).status_code == 410


async def test_a_form_without_answers_is_shown_again(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app)
    path = await link_for(support_client, ticket_id)
    for data, says in (
        ({"comment": "<hello>"}, "at least one question"),
        ({"score-speed": "9"}, "choose from 1 to 5"),
        ({"expected-speed": "3"}, "not only what you expected"),
    ):
        response = await support_client.post(path, data=data)
        assert response.status_code == 422
        assert says in response.text
        assert '<form method="post">' in response.text
    assert (
        "&lt;hello&gt;</textarea>"
        in (await support_client.post(path, data={"comment": "<hello>"})).text
    )
    kept = await support_client.post(path, data={"score-speed": "3", "expected-overall": "2"})
    assert 'name="score-speed" value="3" checked>' in kept.text
    as_json = await support_client.post(path, json={"score-speed": "3"})
    assert as_json.status_code == 415
    assert await outbox_events(support_app, "survey_answered") == []


async def test_a_link_for_an_open_ticket_is_refused(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app, status="investigating")
    response = await support_client.post(f"/v1/tickets/{ticket_id}/survey-link")
    assert_problem(response, 409, contains="once resolved")


async def test_the_pages_are_public_and_documented_as_html(support_app: FastAPI) -> None:
    operations = support_app.openapi()["paths"]["/v1/surveys/{token}"]
    assert "security" not in operations["get"]
    assert "text/html" in operations["get"]["responses"]["200"]["content"]
    assert "text/html" in operations["post"]["responses"]["201"]["content"]
    assert "text/html" in operations["post"]["responses"]["410"]["content"]
    form = operations["post"]["requestBody"]["content"]
    assert list(form) == ["application/x-www-form-urlencoded"]

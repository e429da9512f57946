"""The review of the follow-up surveys: a weak item of a department opens a corrective
action, judged on the current questionnaire version only, once."""

from datetime import timedelta

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import outbox_events
from crm_support.settings import SupportSettings
from fastapi import FastAPI

from services.support.tests.support_builders import START, insert_surveys

REVIEW = "/v1/corrective-actions/review"
LAST_WEEK = START - timedelta(days=7)


async def review(client: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await client.post(REVIEW)
    assert response.status_code == 200, response.text
    opened: list[dict[str, object]] = response.json()["opened"]
    return opened


async def test_a_weak_item_opens_one_action_for_its_department(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await insert_surveys(
        support_app,
        "delivery",
        {"speed": [1, 2, 3, 2, 2], "staff_attitude": [5, 4, 5, 4, 5]},
        answered_at=LAST_WEEK,
    )
    await insert_surveys(support_app, "billing", {"speed": [4, 5, 4, 5, 5]}, answered_at=LAST_WEEK)

    [action] = await review(support_client)
    assert (action["department"], action["item"], action["state"]) == ("delivery", "speed", "open")
    assert action["mean_score"] == 2.0
    assert action["answers"] == 5
    assert action["questionnaire_version"] == 1
    assert action["window_start"] == "2026-11-07T09:00:00Z"
    assert action["window_end"] == "2026-12-07T09:00:00Z"
    assert action["weak_mean"] == 3.0
    [event] = await outbox_events(support_app, "corrective_action_opened")
    assert event.key == action["id"]
    assert event.payload.action.item == "speed"

    assert await review(support_client) == []  # the open action stands for the finding
    listed = await support_client.get("/v1/corrective-actions", params={"total": "true"})
    assert listed.json()["total"] == 1


async def test_fewer_answers_than_the_minimum_give_no_verdict(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await insert_surveys(support_app, "delivery", {"speed": [1, 1, 1, 1]}, answered_at=LAST_WEEK)
    assert await review(support_client) == []


async def test_answers_outside_the_window_do_not_count(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await insert_surveys(
        support_app, "delivery", {"speed": [1] * 5}, answered_at=START - timedelta(days=31)
    )
    assert await review(support_client) == []


async def test_a_revised_questionnaire_is_judged_apart(
    support_app: FastAPI, support_client: httpx.AsyncClient, support_settings: SupportSettings
) -> None:
    # Version 1 scored the item low; version 2 (the current one) asks it afresh, and only
    # three of its answers are in: no verdict, and version 1's answers do not make one.
    await insert_surveys(support_app, "delivery", {"speed": [1] * 5}, answered_at=LAST_WEEK)
    await insert_surveys(
        support_app, "delivery", {"speed": [5, 5, 4, 5, 5, 4]}, answered_at=LAST_WEEK,
        questionnaire_version=2,
    )  # fmt: skip
    support_settings.survey_questionnaire_version = 2
    assert await review(support_client) == []

    await insert_surveys(
        support_app, "delivery", {"speed": [1] * 20}, answered_at=LAST_WEEK,
        questionnaire_version=2,
    )  # fmt: skip
    [action] = await review(support_client)
    assert action["questionnaire_version"] == 2
    assert action["answers"] == 26


async def test_a_closed_action_lets_the_item_be_found_weak_again(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await insert_surveys(support_app, "delivery", {"speed": [2] * 5}, answered_at=LAST_WEEK)
    [action] = await review(support_client)
    dismissed = await support_client.patch(
        f"/v1/corrective-actions/{action['id']}",
        json={"state": "dismissed", "dismissal_reason": "A carrier strike, now over"},
        headers={"If-Match": '"1"'},
    )
    assert dismissed.status_code == 200, dismissed.text
    [again] = await review(support_client)
    assert again["id"] != action["id"]


async def test_the_weekly_schedule_runs_the_review(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await insert_surveys(support_app, "delivery", {"speed": [2] * 5}, answered_at=LAST_WEEK)
    # Monday 09:00: the next review is Monday next week, 06:00.
    clock.advance(timedelta(days=6, hours=20))
    assert await support_app.state.runtime.timers.fire_due() == 0
    clock.advance(timedelta(hours=1))
    assert await support_app.state.runtime.timers.fire_due() == 1
    listed = (await support_client.get("/v1/corrective-actions")).json()["items"]
    assert [(item["item"], item["opened_by"]) for item in listed] == [("speed", "schedule")]
    # The week after, the same finding is still open: nothing new.
    clock.advance(timedelta(days=7))
    await support_app.state.runtime.timers.fire_due()
    assert len((await support_client.get("/v1/corrective-actions")).json()["items"]) == 1

"""/v1/knowledge/answers: a manager curates the standard answers; agents read them."""

from datetime import timedelta

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import assert_problem, bearer, token_for

from services.support.tests.support_builders import answer_body, write_answer

ANSWERS = "/v1/knowledge/answers"
AGENT = bearer(token_for("support"))
ANALYST = bearer(token_for("analyst"))


async def test_an_admin_writes_an_answer_once_per_idempotency_key(
    support_client: httpx.AsyncClient,
) -> None:
    body = answer_body(cause="price_regret")
    response = await support_client.post(ANSWERS, json=body, headers={"Idempotency-Key": "a-1"})
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["category"] == "billing"
    assert answer["cause"] == "price_regret"
    assert answer["active"] is True
    assert answer["version"] == 1
    assert answer["created_at"] == "2026-12-07T09:00:00Z"
    assert response.headers["Location"] == f"{ANSWERS}/{answer['id']}"
    assert response.headers["ETag"] == '"1"'
    retry = await support_client.post(ANSWERS, json=body, headers={"Idempotency-Key": "a-1"})
    assert retry.json()["id"] == answer["id"]

    read = await support_client.get(f"{ANSWERS}/{answer['id']}", headers=ANALYST)
    assert read.status_code == 200
    assert read.json() == answer


async def test_agents_read_the_answers_but_only_a_manager_curates_them(
    support_client: httpx.AsyncClient,
) -> None:
    answer = await write_answer(support_client)
    refused = await support_client.post(ANSWERS, json=answer_body(), headers=AGENT)
    assert_problem(refused, 403)
    path = f"{ANSWERS}/{answer['id']}"
    patched = await support_client.patch(
        path, json={"title": "Mine"}, headers={**AGENT, "If-Match": '"1"'}
    )
    assert_problem(patched, 403)
    retired = await support_client.post(f"{path}/retire", headers={**AGENT, "If-Match": '"1"'})
    assert_problem(retired, 403)
    assert (await support_client.get(path, headers=AGENT)).status_code == 200
    assert (await support_client.get(ANSWERS, headers=AGENT)).status_code == 200


async def test_a_cause_must_be_one_of_the_category(support_client: httpx.AsyncClient) -> None:
    response = await support_client.post(ANSWERS, json=answer_body(cause="attitude"))
    problem = assert_problem(response, 422, contains="not one of the category billing")
    assert problem["type"].endswith("/cause-not-of-category")
    answer = await write_answer(support_client, category="service_quality", cause="attitude")
    moved = await support_client.patch(
        f"{ANSWERS}/{answer['id']}", json={"category": "billing"}, headers={"If-Match": '"1"'}
    )
    assert_problem(moved, 422, contains="attitude")
    cleared = await support_client.patch(
        f"{ANSWERS}/{answer['id']}",
        json={"category": "billing", "cause": None},
        headers={"If-Match": '"1"'},
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["category"], cleared.json()["cause"]) == ("billing", None)


async def test_search_by_category_and_words_in_any_case_page_by_page(
    support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    first = await write_answer(support_client, title="Invoice copies", body="Ask billing.")
    clock.advance(timedelta(minutes=1))  # the list is oldest first
    second = await write_answer(support_client, title="Refunds", body="An INVOICE is credited.")
    clock.advance(timedelta(minutes=1))
    await write_answer(support_client, title="Late parcel", body="Track it.", category="delivery")
    await write_answer(support_client, title="100% sure", body="Percent.", category="other")

    found = await support_client.get(ANSWERS, params={"q": "invoice"}, headers=AGENT)
    assert [item["id"] for item in found.json()["items"]] == [first["id"], second["id"]]
    literal = await support_client.get(ANSWERS, params={"q": "0%"})
    assert [item["title"] for item in literal.json()["items"]] == ["100% sure"]
    by_category = await support_client.get(ANSWERS, params={"category": "delivery"})
    assert [item["title"] for item in by_category.json()["items"]] == ["Late parcel"]

    page = await support_client.get(ANSWERS, params={"limit": 1, "total": "true"})
    assert page.json()["total"] == 4
    assert [item["id"] for item in page.json()["items"]] == [first["id"]]
    following = await support_client.get(
        ANSWERS, params={"limit": 1, "cursor": page.json()["next_cursor"]}
    )
    assert [item["id"] for item in following.json()["items"]] == [second["id"]]
    forged = await support_client.get(ANSWERS, params={"cursor": "bm90LWEtY3Vyc29y"})
    assert_problem(forged, 400)


async def test_a_change_is_the_next_version_guarded_by_if_match(
    support_client: httpx.AsyncClient,
) -> None:
    answer = await write_answer(support_client)
    path = f"{ANSWERS}/{answer['id']}"
    changed = await support_client.patch(
        path, json={"body": "Under Orders, then Invoices."}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["body"] == "Under Orders, then Invoices."
    assert changed.json()["version"] == 2
    assert changed.headers["ETag"] == '"2"'
    stale = await support_client.patch(path, json={"title": "Old"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412)
    missing = await support_client.patch(path, json={"title": "Old"})
    assert missing.status_code == 428
    same = await support_client.patch(
        path, json={"title": answer["title"]}, headers={"If-Match": '"2"'}
    )
    assert same.json()["version"] == 2  # nothing changed
    null = await support_client.patch(path, json={"title": None}, headers={"If-Match": '"2"'})
    assert_problem(null, 422)


async def test_a_retired_answer_is_listed_apart_and_no_longer_changes(
    support_client: httpx.AsyncClient,
) -> None:
    kept = await write_answer(support_client, title="Kept")
    answer = await write_answer(support_client, title="Gone")
    path = f"{ANSWERS}/{answer['id']}"
    retired = await support_client.post(f"{path}/retire", headers={"If-Match": '"1"'})
    assert retired.status_code == 200, retired.text
    assert retired.json()["active"] is False
    assert retired.json()["retired_at"] == "2026-12-07T09:00:00Z"
    assert retired.json()["retired_by"] == retired.json()["created_by"]
    again = await support_client.post(f"{path}/retire", headers={"If-Match": '"2"'})
    assert again.json()["version"] == 2  # retiring twice changes nothing

    active = await support_client.get(ANSWERS)
    assert [item["id"] for item in active.json()["items"]] == [kept["id"]]
    gone = await support_client.get(ANSWERS, params={"status": "retired"})
    assert [item["id"] for item in gone.json()["items"]] == [answer["id"]]
    every = await support_client.get(ANSWERS, params={"status": "all"})
    assert len(every.json()["items"]) == 2

    refused = await support_client.patch(path, json={"title": "Back"}, headers={"If-Match": '"2"'})
    assert_problem(refused, 409, contains="retired")
    unknown = await support_client.get(f"{ANSWERS}/00000000-0000-0000-0000-000000000001")
    assert_problem(unknown, 404)

"""The sales pages over canned sales answers: the board's columns and the service's totals,
moves (drag or "Move to") as the sales API's PATCH, lost asking for its reason, a refusal
shown, my activities and the forecast."""

import re
from collections.abc import Callable

import httpx

from services.console.tests import sales_canned as canned
from services.console.tests.console_fakes import FakeServices

HTMX = {"HX-Request": "true"}
MOVE_URL = f"/sales/opportunities/{canned.OPPORTUNITY_ID}/stage"


def _column(html: str, stage: str) -> str:
    start = html.index(f'id="column-{stage}"')
    end = html.find("<section", start + 1)
    return html[start : end if end != -1 else len(html)]


async def test_the_board_has_a_column_per_stage_with_the_services_totals(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    canned.board(services)

    response = await console.get("/sales")

    assert response.status_code == 200
    html = response.text
    positions = [html.index(f'id="column-{stage}"') for stage in canned.OPEN_STAGES]
    assert positions == sorted(positions), "columns in pipeline order"
    proposal = _column(html, "proposal")
    assert "Acme rollout" in proposal
    assert "Acme GmbH" in proposal
    assert "10,000.00 EUR" in proposal
    assert "4,000.00 EUR" in proposal
    assert "40 %" in proposal
    assert "20 Dec 2026" in proposal
    assert "You" in proposal
    assert "No opportunities" in _column(html, "contact")
    assert 'id="column-lost"' in html
    assert 'id="column-won"' in html
    assert '<label for="move-' in html  # the keyboard alternative
    pipeline = next(c for c in services.calls if c.path == "/v1/pipeline")
    assert pipeline.method == "GET"
    listed = [c.params["stage"] for c in services.calls if c.path == "/v1/opportunities"]
    assert sorted(listed) == sorted(canned.OPEN_STAGES)
    assert services.writes() == []


async def test_a_move_patches_the_opportunity_with_its_version_and_redraws_the_board(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    token = sign_in("sales")
    canned.board(services)
    services.on(
        "PATCH",
        "sales",
        re.escape(f"/v1/opportunities/{canned.OPPORTUNITY_ID}"),
        canned.opportunity("negotiation", version=4),
    )

    response = await console.post(
        MOVE_URL, data={"stage": "negotiation", "version": "3"}, headers=HTMX
    )

    assert response.status_code == 200
    [write] = services.writes("sales")
    assert (write.method, write.path) == ("PATCH", f"/v1/opportunities/{canned.OPPORTUNITY_ID}")
    assert write.body == {"stage": "negotiation"}
    assert write.headers["if-match"] == '"3"'
    assert write.headers["authorization"] == f"Bearer {token}"
    assert response.headers["HX-Retarget"] == "#board"
    assert 'id="board"' in response.text
    assert "Acme rollout moved to Negotiation." in response.text
    reads_after = [c for c in services.calls if c.path == "/v1/pipeline"]
    assert len(reads_after) == 1  # the board re-read after the move


async def test_without_javascript_a_move_goes_back_to_the_board(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    services.on("PATCH", "sales", r"/v1/opportunities/.+", canned.opportunity("quote"))

    response = await console.post(MOVE_URL, data={"stage": "quote", "version": "3"})

    assert response.status_code == 303
    assert response.headers["location"] == "/sales"


async def test_lost_without_a_reason_asks_for_it_and_calls_nothing(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")

    response = await console.post(MOVE_URL, data={"stage": "lost", "version": "3"}, headers=HTMX)

    assert response.status_code == 200
    assert services.calls == []
    assert response.headers["HX-Retarget"] == "#lost-dialog-body"
    assert "sales-ask-reason" in response.headers["HX-Trigger-After-Settle"]
    assert "Why was it lost?" in response.text
    assert 'name="loss_reason"' in response.text
    assert "required" in response.text

    again = await console.post(
        MOVE_URL,
        data={"stage": "lost", "version": "3", "loss_reason": "  ", "asked": "true"},
        headers=HTMX,
    )

    assert "Say why the opportunity was lost." in again.text
    assert services.calls == []


async def test_lost_with_a_reason_sends_it_to_the_sales_service(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    canned.board(services, cards={})
    services.on("PATCH", "sales", r"/v1/opportunities/.+", canned.opportunity("lost"))

    response = await console.post(
        MOVE_URL,
        data={"stage": "lost", "version": "3", "loss_reason": "Price too high", "asked": "true"},
        headers=HTMX,
    )

    assert response.status_code == 200
    [write] = services.writes("sales")
    assert write.body == {"stage": "lost", "loss_reason": "Price too high"}
    assert "moved to Lost" in response.text


async def test_a_refusal_of_the_sales_service_is_shown_with_its_message(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    services.on(
        "PATCH",
        "sales",
        r"/v1/opportunities/.+",
        {
            "type": "https://crm.example.com/problems/precondition-failed",
            "title": "Precondition Failed",
            "status": 412,
            "detail": "the opportunity has changed since you read it",
        },
        status=412,
    )

    response = await console.post(MOVE_URL, data={"stage": "quote", "version": "3"}, headers=HTMX)

    assert response.status_code == 412
    assert response.headers["HX-Retarget"] == "#flash"
    assert "the opportunity has changed since you read it" in response.text


async def test_a_refused_loss_shows_the_message_in_the_dialog(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    services.on(
        "PATCH",
        "sales",
        r"/v1/opportunities/.+",
        {"title": "Unprocessable", "status": 422, "detail": "won and lost never swap"},
        status=422,
    )

    response = await console.post(
        MOVE_URL,
        data={"stage": "lost", "version": "3", "loss_reason": "Budget", "asked": "true"},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#lost-dialog-body"
    assert "won and lost never swap" in response.text
    assert 'value="Budget"' in response.text


async def test_a_reader_without_sales_write_sees_no_move_controls(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("analyst")
    canned.board(services)

    response = await console.get("/sales")

    assert response.status_code == 200
    assert "Move to" not in response.text
    assert 'draggable="true"' not in response.text


async def test_a_role_without_sales_read_is_not_shown_the_board(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("marketing")

    response = await console.get("/sales")

    assert response.status_code == 403
    assert services.calls == []


async def test_my_activities_lists_overdue_and_today_from_the_service(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales", subject="rep-7")
    late = canned.activity(subject="Call Acme back")
    canned.activities(
        services,
        overdue=[late],
        today=[late, canned.activity(id="a2", subject="Send the offer")],
    )
    services.on("GET", "sales", f"/v1/customers/{canned.CUSTOMER_ID}", canned.customer())

    response = await console.get("/sales/activities")

    assert response.status_code == 200
    html = response.text
    assert html.count("Call Acme back") >= 1
    assert "Send the offer" in html
    assert "Acme GmbH" in html  # the customer's name, from the sales customer view
    assert html.index("Call Acme back") < html.index("Send the offer")
    assert "Overdue" in html
    assert "Mark done" in html
    asked = [c.params for c in services.calls if c.path == "/v1/activities"]
    assert {p["due"] for p in asked} == {"overdue", "today"}
    assert all(p["owner"] == "rep-7" and p["done"] == "false" for p in asked)
    assert html.count('id="activity-7c9e6679') == 1  # listed once, as overdue


async def test_marking_an_activity_done_completes_it_in_the_sales_service(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    canned.activities(services)
    services.on(
        "POST",
        "sales",
        r"/v1/activities/.+/complete",
        {**canned.activity(), "done": True},
    )

    response = await console.post(
        f"/sales/activities/{canned.ACTIVITY_ID}/complete",
        data={"version": "2", "outcome": "Reached them"},
        headers=HTMX,
    )

    assert response.status_code == 200
    [write] = services.writes("sales")
    assert write.body == {"outcome": "Reached them"}
    assert write.headers["if-match"] == '"2"'
    assert "Done: Call Acme back." in response.text


async def test_the_forecast_shows_owners_in_a_table_and_a_chart(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales", subject="user-1")
    canned.forecast(services)

    response = await console.get("/sales/forecast?period=2026-Q4")

    assert response.status_code == 200
    html = response.text
    [call] = [c for c in services.calls if c.path == "/v1/forecast"]
    assert call.params == {"period": "2026-Q4", "group_by": "owner"}
    assert "data-chart=" in html
    assert "echarts.min.js" in html
    assert "4,000.00 EUR" in html
    assert "1,500.00 EUR" in html
    assert "5,500.00 EUR" in html
    assert '<th scope="row">You</th>' in html
    assert "All owners" in html
    assert 'aria-current="page">Forecast' in html


async def test_without_javascript_lost_asks_for_the_reason_on_a_page_of_its_own(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")

    response = await console.post(MOVE_URL, data={"stage": "lost", "version": "3"})

    assert response.status_code == 200
    assert "<h1>Mark the opportunity as lost</h1>" in response.text
    assert "hx-post" not in response.text.split('class="lost-form')[1].split(">")[0]
    assert services.calls == []

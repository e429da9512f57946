"""The sales pages in a real browser against the running system: the pipeline board (drag a
card to another stage, the keyboard's "Move to", lost asking why), my overdue activities, the
forecast, and the board on a phone. The data is made through the sales API as the `sales`
user, who then signs in."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.browser import PHONE, assert_accessible, screenshot, sign_in
from tests.e2e.launcher import Launcher
from tests.helpers import wait_for
from tests.integration.platform import unique_person


@pytest.fixture
async def rep(system: Launcher) -> AsyncIterator[httpx.AsyncClient]:
    """The sales rep's API client (creates the development user `sales`)."""
    async with system.client("sales") as http:
        yield http


async def _customer(rep: httpx.AsyncClient, system: Launcher) -> str:
    person = unique_person("Board")
    created = await rep.post(system.url("customer", "/v1/customers"), json=person)
    assert created.status_code == 201, created.text
    customer_id: str = created.json()["id"]

    async def in_sales() -> bool:
        answer = await rep.get(system.url("sales", f"/v1/customers/{customer_id}"))
        return answer.status_code == 200

    await wait_for(in_sales, timeout=20, interval=0.2, message="customer in the sales view")
    return customer_id


async def _opportunity(
    rep: httpx.AsyncClient, system: Launcher, customer_id: str, name: str, stage: str, amount: str
) -> dict[str, Any]:
    created = await rep.post(
        system.url("sales", "/v1/opportunities"),
        json={
            "customer_id": customer_id,
            "name": name,
            "amount": amount,
            "currency": "EUR",
            "stage": stage,
            "expected_close_date": date.today().isoformat(),
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def _read(rep: httpx.AsyncClient, system: Launcher, opportunity_id: str) -> dict[str, Any]:
    answer = await rep.get(system.url("sales", f"/v1/opportunities/{opportunity_id}"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def _stage_count(rep: httpx.AsyncClient, system: Launcher, stage: str) -> int:
    pipeline = (await rep.get(system.url("sales", "/v1/pipeline"))).json()
    return next(int(row["count"]) for row in pipeline["stages"] if row["stage"] == stage)


async def test_the_board_moves_cards_by_drag_keyboard_and_asks_why_one_was_lost(
    page: Page, system: Launcher, rep: httpx.AsyncClient
) -> None:
    customer_id = await _customer(rep, system)
    tag = uuid.uuid4().hex[:6]
    dragged = await _opportunity(rep, system, customer_id, f"Fleet deal {tag}", "contact", "12000")
    keyed = await _opportunity(
        rep, system, customer_id, f"Service plan {tag}", "needs_analysis", "5000"
    )
    lost = await _opportunity(rep, system, customer_id, f"Pilot {tag}", "proposal", "3000")

    await sign_in(page, system, "sales", path="/sales")
    board = page.locator("#board")
    proposal = page.locator("#column-proposal")
    card = page.locator(f"#opp-{dragged['id']}")
    await expect(card).to_be_visible()
    await expect(page.get_by_role("navigation", name="Sales pages")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "sales-board")

    # Drag "Fleet deal" from contact onto the proposal column.
    await card.drag_to(proposal)
    await expect(proposal.get_by_role("heading", name=dragged["name"])).to_be_visible()
    await expect(page.locator("#flash")).to_contain_text(f"{dragged['name']} moved to Proposal")
    assert (await _read(rep, system, dragged["id"]))["stage"] == "proposal"
    expected = await _stage_count(rep, system, "proposal")
    await expect(proposal.locator(".column-count")).to_have_text(str(expected))
    pipeline = (await rep.get(system.url("sales", "/v1/pipeline"))).json()
    weighted = next(r for r in pipeline["stages"] if r["stage"] == "proposal")["weighted_amount"]
    await expect(proposal.locator(".column-weighted")).to_contain_text(f"{float(weighted):,.2f}")

    # The keyboard's way: "Move to" Quote, then the card's Move button.
    keyed_card = page.locator(f"#opp-{keyed['id']}")
    await keyed_card.get_by_label("Move to").select_option("quote")
    await keyed_card.get_by_role("button", name=f"Move {keyed['name']}").press("Enter")
    await expect(
        page.locator("#column-quote").get_by_role("heading", name=keyed["name"])
    ).to_be_visible()
    assert (await _read(rep, system, keyed["id"]))["stage"] == "quote"

    # Lost asks for the reason before anything is sent.
    await page.locator(f"#opp-{lost['id']}").drag_to(page.locator("#column-lost"))
    dialog = page.get_by_role("dialog", name="Why was it lost?")
    await expect(dialog).to_be_visible()
    assert (await _read(rep, system, lost["id"]))["stage"] == "proposal"
    await assert_accessible(page)
    await screenshot(page, "sales-lost-reason")
    await dialog.get_by_label("Loss reason (required)").fill("Price too high")
    await dialog.get_by_role("button", name="Mark as lost").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#flash")).to_contain_text(f"{lost['name']} moved to Lost")
    closed = await _read(rep, system, lost["id"])
    assert (closed["stage"], closed["loss_reason"]) == ("lost", "Price too high")
    await expect(board.locator(f"#opp-{lost['id']}")).to_have_count(0)

    # A refusal of the service is shown with its message: someone changed "Fleet deal" since
    # the board was drawn, so its version on the page is stale (412).
    current = await _read(rep, system, dragged["id"])
    changed = await rep.patch(
        system.url("sales", f"/v1/opportunities/{dragged['id']}"),
        json={"amount": "13000"},
        headers={"If-Match": f'"{current["version"]}"'},
    )
    assert changed.status_code == 200, changed.text
    stale_card = page.locator(f"#opp-{dragged['id']}")
    await stale_card.get_by_label("Move to").select_option("negotiation")
    await stale_card.get_by_role("button", name=f"Move {dragged['name']}").click()
    await expect(page.get_by_role("alert")).to_contain_text("changed since you read it")
    assert (await _read(rep, system, dragged["id"]))["stage"] == "proposal"


async def test_my_overdue_activity_is_listed_and_can_be_marked_done(
    page: Page, system: Launcher, rep: httpx.AsyncClient
) -> None:
    customer_id = await _customer(rep, system)
    subject = f"Call back about the renewal {uuid.uuid4().hex[:6]}"
    due = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    created = await rep.post(
        system.url("sales", "/v1/activities"),
        json={"kind": "call", "subject": subject, "due_at": due, "customer_id": customer_id},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text

    await sign_in(page, system, "sales", path="/sales/activities")
    row = page.get_by_role("row").filter(has_text=subject)
    await expect(row).to_be_visible()
    await expect(row).to_contain_text("Overdue")
    await assert_accessible(page)
    await screenshot(page, "sales-activities")

    await row.get_by_label(f"Outcome of {subject}").fill("Reached them, renewal agreed")
    await row.get_by_role("button", name=f"Mark done: {subject}").click()
    await expect(page.get_by_role("row").filter(has_text=subject)).to_have_count(0)
    activity = await rep.get(system.url("sales", f"/v1/activities/{created.json()['id']}"))
    assert activity.json()["done"] is True


async def test_the_forecast_by_owner_has_a_table_and_a_chart(
    page: Page, system: Launcher, rep: httpx.AsyncClient
) -> None:
    customer_id = await _customer(rep, system)
    await _opportunity(rep, system, customer_id, "Forecast deal", "negotiation", "20000")

    await sign_in(page, system, "sales", path="/sales/forecast")
    await expect(page.get_by_role("heading", name="Sales forecast", level=1)).to_be_visible()
    await expect(page.get_by_role("rowheader", name="You")).to_be_visible()
    await expect(page.locator("#forecast-chart svg")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "sales-forecast")


async def test_the_board_scrolls_sideways_in_its_own_container_on_a_phone(
    page: Page, system: Launcher, rep: httpx.AsyncClient
) -> None:
    customer_id = await _customer(rep, system)
    await _opportunity(rep, system, customer_id, "Phone deal", "contact", "800")
    await page.set_viewport_size(PHONE)

    await sign_in(page, system, "sales", path="/sales")
    await expect(page.locator("#column-contact")).to_be_visible()
    page_width = await page.evaluate("() => document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"]
    scrolls = await page.locator(".board-scroll").evaluate("e => e.scrollWidth > e.clientWidth")
    assert scrolls
    await assert_accessible(page)
    await screenshot(page, "sales-board-phone")

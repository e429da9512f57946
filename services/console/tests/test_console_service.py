"""The service pages over canned support answers: the queue in the service's order with each
target's countdown and state word, its filters sent as the API's parameters, the ticket's
buttons exactly the steps the service allows, a step's call, and a refusal shown."""

import re
from collections.abc import Callable

import httpx

from services.console.tests.console_fakes import FakeServices
from services.console.tests.html_tree import Element, parse
from services.console.tests.service_answers import (
    ALWAYS,
    CUSTOMER,
    TICKET,
    customer,
    page,
    step,
    summary,
    target,
    ticket,
)

SignIn = Callable[..., str]
SECOND = "22222222-2222-2222-2222-222222222222"


def page_of(response: httpx.Response) -> Element:
    assert response.status_code == 200, response.text
    return parse(response.text)


def state_of(sla: Element) -> str:
    return sla.find(cls="badge").text()


def queue_answer(services: FakeServices) -> None:
    breached = summary(
        SECOND,
        subject="Invoice charged twice",
        priority="urgent",
        status="acknowledged",
        targets=[
            target("first_contact", "met", met_at="2026-12-07T09:10:00Z"),
            target(
                "proposal",
                "breached",
                due_at="2026-12-07T08:00:00Z",
                breached_at="2026-12-07T08:00:00Z",
            ),
        ],
    )
    services.on("GET", "support", r"/v1/tickets", page(breached, summary(), next_cursor="abc"))
    services.on("GET", "customer", rf"/v1/customers/{CUSTOMER}", customer())


async def test_the_queue_keeps_the_services_order_and_shows_each_targets_state(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("support")
    queue_answer(services)

    html = page_of(await console.get("/service"))

    [listed] = [c for c in services.calls if c.path == "/v1/tickets"]
    assert listed.params["sort"] == "due"
    assert listed.params["open"] == "true"
    rows = html.find("tbody").find_all("tr")
    assert [row["data-ticket"] for row in rows] == [SECOND, TICKET]
    first = rows[0]
    assert first.find("a", cls="svc-title").text() == "Invoice charged twice"
    assert first.find("a", href=f"/customers/{CUSTOMER}").text() == "Ada Lovelace"
    states = {sla["data-target"]: state_of(sla) for sla in first.find_all(cls="sla")}
    assert states == {"first_contact": "met", "proposal": "breached"}
    overdue = first.find(data_target="proposal").find("time", data_due=True)
    assert overdue["datetime"] == "2026-12-07T08:00:00Z"
    assert "state-breached" in overdue.classes
    running = rows[1].find(data_target="first_contact")
    assert state_of(running) == "running"
    assert running.find("time")["data-due"] == "2026-12-07T11:00:00Z"
    [next_link] = html.where(lambda e: e.tag == "a" and e.text() == "Next page")
    assert next_link["href"] == "/service?scope=all&open=open&cursor=abc"
    assert html.find(id="queue")["hx-trigger"] == "every 30s"


async def test_the_filters_become_the_support_apis_read_options(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("support", subject="agent-7", team="team-9")
    queue_answer(services)

    await console.get("/service?scope=team&priority=urgent&state=at_risk&open=any&cursor=abc")
    await console.get("/service?scope=mine")

    team, mine = [c.params for c in services.calls if c.path == "/v1/tickets"]
    assert team == {
        "sort": "due",
        "limit": "25",
        "team": "team-9",
        "priority": "urgent",
        "target_state": "at_risk",
        "cursor": "abc",
    }
    assert mine["owner"] == "agent-7"
    assert "team" not in mine


async def test_the_queue_refreshes_as_a_fragment_for_htmx(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("support")
    queue_answer(services)

    response = await console.get("/service", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="queue"' in response.text


def buttons(html: Element) -> list[str]:
    """The steps offered: the plain buttons and the steps that open a small form."""
    forms = html.find(id="ticket-body").where(
        lambda e: e.tag == "form" and "/actions/" in e.attrs.get("action", "")
    )
    return [form["action"].rsplit("/", 1)[-1] for form in forms]


def button_labels(html: Element) -> list[str]:
    return [button.text() for button in html.find(cls="svc-buttons").find_all("button")]


async def test_the_ticket_offers_exactly_the_steps_the_service_allows(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("support")
    services.on("GET", "customer", rf"/v1/customers/{CUSTOMER}", customer())
    services.on("GET", "support", rf"/v1/tickets/{TICKET}", ticket())

    html = page_of(await console.get(f"/service/tickets/{TICKET}"))

    assert buttons(html) == [
        "acknowledge",
        "wait_on_customer",
        "reply",
        "note",
        "hand_over",
        "escalate",
        "promise_reply",
    ]
    assert button_labels(html) == ["Acknowledge", "Wait on customer"]
    assert html.find("a", href=f"/customers/{CUSTOMER}").text() == "Ada Lovelace"
    assert html.find("h1").text() == "The kettle leaks"
    history = html.find("ol", cls="svc-history").find_all("li")
    assert [item.find("strong").text() for item in history] == ["Ticket received"]
    assert "by agent-1" in history[0].text()
    first = html.find(cls="svc-status").find(data_target="first_contact")
    assert state_of(first) == "running"

    waiting = ticket(
        status="waiting_on_customer",
        resume_status="acknowledged",
        allowed_actions=[step("resume", "transitions", "acknowledged"), *ALWAYS[:2]],
    )
    services.on("GET", "support", rf"/v1/tickets/{TICKET}", waiting)
    html = page_of(await console.get(f"/service/tickets/{TICKET}"))
    assert buttons(html) == ["resume", "reply", "note"]
    resume = html.find("form", action=f"/service/tickets/{TICKET}/actions/resume")
    assert resume.find("input", name="to")["value"] == "acknowledged"


async def test_the_history_calls_the_viewers_own_steps_yours(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("support", subject="agent-1")
    services.on("GET", "customer", rf"/v1/customers/{CUSTOMER}", customer())
    services.on("GET", "support", rf"/v1/tickets/{TICKET}", ticket())

    html = page_of(await console.get(f"/service/tickets/{TICKET}"))

    [entry] = html.find("ol", cls="svc-history").find_all("li")
    assert "by you" in entry.text()


async def test_a_reader_sees_no_buttons(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("analyst")
    services.on("GET", "customer", rf"/v1/customers/{CUSTOMER}", customer())
    services.on("GET", "support", rf"/v1/tickets/{TICKET}", ticket())

    html = page_of(await console.get(f"/service/tickets/{TICKET}"))

    assert buttons(html) == []


async def test_a_step_calls_its_support_operation_and_shows_the_outcome(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    token = sign_in("support")
    acknowledged = ticket(
        status="acknowledged",
        targets=[target("first_contact", "met", met_at="2026-12-07T09:05:00Z"), target("proposal")],
        allowed_actions=[step("investigate", "transitions", "investigating"), *ALWAYS],
    )
    services.on("POST", "support", rf"/v1/tickets/{TICKET}/transitions", acknowledged)

    response = await console.post(
        f"/service/tickets/{TICKET}/actions/acknowledge",
        data={"to": "acknowledged", "version": "1"},
        headers={"HX-Request": "true"},
    )

    [write] = services.writes("support")
    assert write.path == f"/v1/tickets/{TICKET}/transitions"
    assert write.body == {"to": "acknowledged"}
    assert write.headers["if-match"] == '"1"'
    assert write.headers["authorization"] == f"Bearer {token}"
    html = page_of(response)
    met = html.find(data_target="first_contact")
    assert met["data-state"] == "met"
    assert state_of(met) == "met"
    assert buttons(html)[0] == "investigate"
    assert html.find(id="flash").text() == "Done: Acknowledge."


async def test_a_step_with_input_sends_it(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("support")
    services.on("POST", "support", rf"/v1/tickets/{TICKET}/handover", ticket(owner="agent-2"))
    services.on("POST", "support", rf"/v1/tickets/{TICKET}/contacts", ticket(contacts=1))

    await console.post(
        f"/service/tickets/{TICKET}/actions/hand_over",
        data={"assignee": "agent-2", "reason": "product expert"},
        headers={"HX-Request": "true"},
    )
    plain = await console.post(
        f"/service/tickets/{TICKET}/actions/reply",
        data={"direction": "inbound", "channel": "email", "summary": "sent a photo"},
    )

    handover, contact = services.writes("support")
    assert handover.body == {"to": "agent-2", "reason": "product expert"}
    assert "if-match" not in handover.headers
    assert contact.path.endswith("/contacts")
    assert contact.body == {"direction": "inbound", "channel": "email", "summary": "sent a photo"}
    assert plain.status_code == 303  # without htmx: back to the ticket's page
    assert plain.headers["location"] == f"/service/tickets/{TICKET}"


async def test_a_refusal_shows_the_services_message_with_the_ticket_afresh(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("support")
    services.on(
        "POST",
        "support",
        rf"/v1/tickets/{TICKET}/transitions",
        {
            "type": "https://crm.example.com/problems/transition-not-allowed",
            "title": "Conflict",
            "status": 409,
            "detail": "a complaint in status acknowledged cannot go to acknowledged; allowed: "
            "investigating, waiting_on_customer",
            "code": "transition-not-allowed",
            "allowed": ["investigating", "waiting_on_customer"],
        },
        status=409,
    )
    services.on("GET", "support", rf"/v1/tickets/{TICKET}", ticket(status="acknowledged"))

    response = await console.post(
        f"/service/tickets/{TICKET}/actions/acknowledge",
        data={"to": "acknowledged", "version": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 409
    html = parse(response.text)
    alert = html.find(role="alert")
    assert "cannot go to acknowledged" in alert.text()
    assert html.find(cls="svc-status-word").text() == "acknowledged"

    page_answer = await console.post(
        f"/service/tickets/{TICKET}/actions/acknowledge", data={"to": "acknowledged"}
    )
    assert page_answer.status_code == 409
    assert "cannot go to acknowledged" in page_answer.text
    assert "<h1>" in page_answer.text


async def test_an_unknown_step_is_not_found(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("support")

    response = await console.post(f"/service/tickets/{TICKET}/actions/delete", data={})

    assert response.status_code == 404
    assert services.writes() == []
    assert re.search("no such step", response.text)


async def test_my_teams_queue_is_offered_only_to_someone_on_a_team(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    queue_answer(services)

    sign_in("support")
    alone = page_of(await console.get("/service"))
    sign_in("support", team="team-9")
    on_a_team = page_of(await console.get("/service"))

    def scopes(html: Element) -> list[str]:
        return [option["value"] for option in html.find("select", name="scope").find_all("option")]

    assert scopes(alone) == ["all", "mine"]
    assert scopes(on_a_team) == ["all", "mine", "team"]


async def test_a_promise_is_sent_as_a_utc_time(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("support")
    services.on("POST", "support", rf"/v1/tickets/{TICKET}/promises", ticket())

    await console.post(
        f"/service/tickets/{TICKET}/actions/promise_reply",
        data={"reply_by": "2026-12-08T10:30", "version": "3"},
        headers={"HX-Request": "true"},
    )

    [promise] = services.writes("support")
    assert promise.body == {"reply_by": "2026-12-08T10:30:00+00:00"}
    assert promise.headers["if-match"] == '"3"'

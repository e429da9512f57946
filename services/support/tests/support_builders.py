"""Builders of the support service's tests (one place for all of them): customers in the
view, team members and managers, tickets opened and moved through the API, timers fired;
and rows inserted straight into the database (reports, privacy, surveys, recoveries)."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from crm_shared.clock import FakeClock
from crm_shared.contracts.customer import LifecycleStage
from crm_shared.contracts.support import TargetState, TicketKind, TicketStatus
from crm_shared.events import IntegrationEvent
from crm_shared.testing import deliver, deliveries_of
from crm_shared.testing.customer_events import created, uid
from crm_shared.testing.sales_fact_events import order, order_placed
from crm_support.db import team_managers, team_members
from crm_support.handlers import handlers
from crm_support.recoveries.models import Recovery
from crm_support.surveys.models import Survey, SurveyItemAnswer
from crm_support.tickets.models import CrisisAlert, Ticket, TicketHistoryEntry, TicketTarget
from fastapi import FastAPI
from sqlalchemy import insert, select

CUSTOMER = uid("c1")
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # the tests' FakeClock starts here (a Monday)


async def deliver_events(app: FastAPI, *events: IntegrationEvent) -> None:
    """Events of other services, through the support service's handlers (one run each)."""
    await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(*events))


async def seed_customer(app: FastAPI, customer_id: str = CUSTOMER, **fields: Any) -> str:
    """A customer in the support view, as the master's CustomerCreated puts it there."""
    values = {"lifecycle_stage": LifecycleStage.CUSTOMER, **fields}
    await deliver_events(app, created(customer_id, **values))
    return customer_id


async def seed_team(app: FastAPI, team_id: str, manager: str, *members: str) -> None:
    async with app.state.runtime.unit_of_work() as uow:
        await uow.session.execute(
            insert(team_managers).values(team_id=team_id, manager_id=manager, team_version=1)
        )
        for member in members:
            await uow.session.execute(
                insert(team_members).values(user_id=member, team_id=team_id, user_version=1)
            )
        await uow.commit()


def ticket_body(customer_id: str = CUSTOMER, **fields: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "kind": "complaint",
        "category": "product_quality",
        "channel": "phone",
        "description": "the kettle leaks",
        "received_by": "agent-1",
        **fields,
    }


async def open_ticket(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/tickets", json=ticket_body(**fields))
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


async def move(client: httpx.AsyncClient, ticket_id: str, to: str, **body: Any) -> httpx.Response:
    return await client.post(f"/v1/tickets/{ticket_id}/transitions", json={"to": to, **body})


async def moved(client: httpx.AsyncClient, ticket_id: str, *path: str) -> dict[str, Any]:
    """The ticket after each move of ``path`` (each must be allowed)."""
    ticket: dict[str, Any] = {}
    for status in path:
        response = await move(client, ticket_id, status)
        assert response.status_code == 200, response.text
        ticket = response.json()
    return ticket


async def read(client: httpx.AsyncClient, ticket_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def target_of(ticket: dict[str, Any], name: str) -> dict[str, Any]:
    found = [target for target in ticket["targets"] if target["target"] == name]
    assert found, f"no target {name} in {ticket['targets']}"
    return found[0]


async def pass_time(app: FastAPI, clock: FakeClock, span: timedelta) -> int:
    """Move the clock and fire the timers then due; how many fired."""
    clock.advance(span)
    fired: int = await app.state.runtime.timers.fire_due()
    return fired


# --- report_: rows inserted straight into the support database (the reports' and the
# privacy handlers' tests build their data without going through the ticket flow) ---------


REPORT_CUSTOMER = "00000000-0000-0000-0000-00000000c001"


def report_id() -> str:
    return str(uuid.uuid4())


def report_ticket(received_at: datetime, **fields: Any) -> Ticket:
    """A complaint received at ``received_at``, owned by ``agent-1``; any column may be
    given (``resolved_at``, ``first_contact_at``, ``department``, ...)."""
    values: dict[str, Any] = {
        "id": report_id(),
        "customer_id": REPORT_CUSTOMER,
        "kind": TicketKind.COMPLAINT.value,
        "category": "product_quality",
        "channel": "phone",
        "status": TicketStatus.RECEIVED.value,
        "priority": "normal",
        "description": "The kettle leaks",
        "received_by": "agent-1",
        "owner": "agent-1",
        "received_at": received_at,
        "created_by": "agent-1",
        "created_at": received_at,
        "updated_at": received_at,
        "version": 1,
        "major_reasons": [],
    }
    return Ticket(**{**values, **fields})


def report_step(
    ticket: Ticket, to_status: str, at: datetime, text: str | None = None, **fields: Any
) -> TicketHistoryEntry:
    """A state change of ``ticket`` (a history entry)."""
    values: dict[str, Any] = {
        "ticket_id": ticket.id,
        "at": at,
        "actor": ticket.owner,
        "kind": "transition",
        "to_status": to_status,
        "text": text,
        "details": {},
    }
    return TicketHistoryEntry(**{**values, **fields})


def report_target(ticket: Ticket, target: str, state: str = TargetState.RUNNING.value,
                  **fields: Any) -> TicketTarget:  # fmt: skip
    values: dict[str, Any] = {
        "ticket_id": ticket.id,
        "target": target,
        "state": state,
        "start_reading": 0.0,
        "budget_seconds": 7200.0,
    }
    return TicketTarget(**{**values, **fields})


def report_recovery(
    ticket: Ticket, cost: str, currency: str = "EUR", kind: str = "voucher", **fields: Any
) -> Recovery:
    values: dict[str, Any] = {
        "id": report_id(),
        "ticket_id": ticket.id,
        "customer_id": ticket.customer_id,
        "kind": kind,
        "cost": Decimal(cost),
        "currency": currency,
        "approved_by": "manager-1",
        "recorded_at": ticket.received_at + timedelta(hours=1),
    }
    return Recovery(**{**values, **fields})


def report_survey(
    ticket: Ticket, answers: dict[str, tuple[int, int | None]], **fields: Any
) -> list[Survey | SurveyItemAnswer]:
    """The survey of ``ticket`` and its answers: ``{item: (score, expected)}``."""
    values: dict[str, Any] = {
        "id": report_id(),
        "ticket_id": ticket.id,
        "customer_id": ticket.customer_id,
        "questionnaire_version": 1,
        "answered_by": "customer",
        "department": ticket.department,
        "owner": ticket.owner,
        "answered_at": ticket.received_at + timedelta(days=1),
    }
    survey = Survey(**{**values, **fields})
    items: list[Survey | SurveyItemAnswer] = [survey]
    for item, (score, expected) in answers.items():
        items.append(SurveyItemAnswer(survey_id=survey.id, item=item, score=score,
                                      expected=expected))  # fmt: skip
    return items


def report_crisis(about: str, raised_at: datetime, count: int = 5) -> CrisisAlert:
    return CrisisAlert(id=report_id(), about=about, count=count, ticket_ids=[], raised_at=raised_at)


async def report_insert(app: FastAPI, *rows: Any) -> None:
    """Insert the rows (a list among them is flattened) in one unit of work (the tickets'
    audit entries with them); tickets first, so that the rows pointing at them find them."""
    flat: list[Any] = []
    for row in rows:
        flat.extend(row if isinstance(row, list) else [row])
    async with app.state.runtime.unit_of_work() as uow:
        uow.session.add_all([row for row in flat if isinstance(row, Ticket)])
        await uow.session.flush()
        uow.session.add_all([row for row in flat if isinstance(row, Survey)])
        await uow.session.flush()
        uow.session.add_all([row for row in flat if not isinstance(row, Ticket | Survey)])
        await uow.commit()


# --- surveys and recoveries: a ticket as the flow would leave it (resolved) ---------------

TICKET_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def insert_ticket(app: FastAPI, **fields: Any) -> str:
    """A resolved complaint of a customer of its own; ``fields`` override any column.
    Returns its id."""
    values: dict[str, Any] = {
        "customer_id": str(uuid.uuid4()),
        "category": "service_quality",
        "status": "resolved",
        "description": "The parcel arrived damaged.",
        "department": "service",
        "resolved_at": TICKET_AT,
        **fields,
    }
    await seed_customer(app, values["customer_id"])  # a dissatisfied answer opens a complaint
    ticket = report_ticket(TICKET_AT, **values)
    await report_insert(app, ticket)
    return ticket.id


async def history_kinds(app: FastAPI, ticket_id: str, kind: str) -> list[TicketHistoryEntry]:
    return [entry for entry in await history_of(app, ticket_id) if entry.kind == kind]


async def history_of(app: FastAPI, ticket_id: str) -> list[TicketHistoryEntry]:
    async with app.state.runtime.session_factory() as session:
        statement = (
            select(TicketHistoryEntry)
            .where(TicketHistoryEntry.ticket_id == ticket_id)
            .order_by(TicketHistoryEntry.id)
        )
        return list(await session.scalars(statement))


# --- knowledge: standard answers written by an admin (who curates them) -------------------


def answer_body(**fields: Any) -> dict[str, Any]:
    return {
        "category": "billing",
        "title": "Where is my invoice?",
        "body": "Invoices are in your account under Orders.",
        **fields,
    }


async def write_answer(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/knowledge/answers", json=answer_body(**fields))
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def use_answer(
    client: httpx.AsyncClient, ticket_id: str, answer_id: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/tickets/{ticket_id}/answers", json={"answer_id": answer_id, **fields}
    )


# --- visits and follow-up calls --------------------------------------------------------------


async def record_visit(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """A service visit of CUSTOMER (seed it first), through the API."""
    body = {"customer_id": CUSTOMER, "kind": "repair", "staff": "tech-1", **fields}
    response = await client.post("/v1/visits", json=body)
    assert response.status_code == 201, response.text
    visit: dict[str, Any] = response.json()
    return visit


async def follow_up_calls(client: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/follow-up-calls", params=filters)
    assert response.status_code == 200, response.text
    calls: list[dict[str, Any]] = response.json()["items"]
    return calls


async def call_outcome(client: httpx.AsyncClient, call_id: str, **answers: Any) -> httpx.Response:
    return await client.post(f"/v1/follow-up-calls/{call_id}/outcome", json=answers)


def order_placed_event(
    order_id: str,
    customer_id: str = CUSTOMER,
    owner: str | None = "seller-1",
    *,
    ordered_at: datetime = START,
    source: str = "api",
) -> IntegrationEvent:
    """Sales' OrderPlaced of an order of ``customer_id`` owned by ``owner``, placed when the
    tests' clock starts."""
    snapshot = order(order_id, customer_id, ordered_at=ordered_at).model_copy(
        update={"owner": owner, "source": source}
    )
    return order_placed(snapshot)


# --- corrective actions: surveys of one department, answered in the review's window -------


async def insert_surveys(
    app: FastAPI,
    department: str,
    scores: dict[str, list[int]],
    *,
    answered_at: datetime,
    questionnaire_version: int = 1,
) -> None:
    """One ticket and survey of ``department`` per answer: ``{item: [score, ...]}`` (the
    n-th survey answers each item's n-th score)."""
    rows: list[Any] = []
    for index in range(max(len(item_scores) for item_scores in scores.values())):
        ticket = report_ticket(answered_at - timedelta(days=2), department=department)
        answers = {item: (values[index], None) for item, values in scores.items()
                   if index < len(values)}  # fmt: skip
        rows += [ticket, *report_survey(ticket, answers, answered_at=answered_at,
                                        questionnaire_version=questionnaire_version)]  # fmt: skip
    await report_insert(app, rows)

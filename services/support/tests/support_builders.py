"""Builders shared by the support service's tests (one place for all of them)."""


# --- report_: rows inserted straight into the support database (the reports' and the
# privacy handlers' tests build their data without going through the ticket flow) ---------

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_shared.contracts.support import TargetState, TicketKind, TicketStatus
from crm_support.recoveries.models import Recovery
from crm_support.surveys.models import Survey, SurveyItemAnswer
from crm_support.tickets.models import CrisisAlert, Ticket, TicketHistoryEntry, TicketTarget
from fastapi import FastAPI
from sqlalchemy import select

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
    ticket = report_ticket(TICKET_AT, **values)
    await report_insert(app, ticket)
    return ticket.id


async def history_of(app: FastAPI, ticket_id: str) -> list[TicketHistoryEntry]:
    async with app.state.runtime.session_factory() as session:
        statement = (
            select(TicketHistoryEntry)
            .where(TicketHistoryEntry.ticket_id == ticket_id)
            .order_by(TicketHistoryEntry.id)
        )
        return list(await session.scalars(statement))

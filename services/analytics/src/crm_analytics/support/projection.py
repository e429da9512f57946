"""The service section's projection of a run of ``crm.support`` events, in sets.

Ticket events (opened, changed, escalated, and a breach, which carries the ticket too) each
carry the ticket's full state and version: the newest of a run is written over older stored
ones (:mod:`crm_analytics.records`), so a change that arrives late or twice changes nothing.
Breaches (once per ticket and target), recoveries and surveys are facts inserted once by
their key, in one statement each. At-risk and met targets and crisis alerts have no figures
here: they reach the profile through its timeline (a crisis alert, about no one customer,
not even there).
"""

from collections.abc import Sequence
from decimal import Decimal

from crm_shared.bus.handlers import Delivery
from crm_shared.contracts.support import (
    RecoveryRecorded,
    SlaBreached,
    SurveyAnswered,
    TicketChanged,
    TicketEscalated,
    TicketOpened,
    TicketSnapshot,
)
from crm_shared.db import UnitOfWork
from crm_shared.db.rowset import Row
from crm_shared.events import IntegrationEvent

from crm_analytics.records import NewestStates
from crm_analytics.support.repository import SupportRepository
from crm_analytics.support.rules import mean_score

STORED_PLACES = Decimal("0.0001")  # the column's scale: the same value on every database

TICKET_EVENTS = (TicketOpened, TicketChanged, TicketEscalated, SlaBreached)
SUPPORT_FIGURE_EVENTS: tuple[type[IntegrationEvent], ...] = (
    *TICKET_EVENTS,
    RecoveryRecorded,
    SurveyAnswered,
)


class SupportProjection:
    """The batch handler of the ticket, breach, recovery and survey events."""

    handles_batches = True

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        tickets = NewestStates()
        # Keyed as their tables are, so a fact repeated within the run is inserted once.
        breaches: dict[tuple[str, str], Row] = {}
        recoveries: dict[str, Row] = {}
        surveys: dict[str, Row] = {}
        for delivery in deliveries:
            event = delivery.event
            if isinstance(event, TICKET_EVENTS):
                tickets.offer(event.ticket.id, ticket_row(event.ticket))
            if isinstance(event, SlaBreached):
                breaches.setdefault((event.ticket_id, event.target.value), breach_row(event))
            elif isinstance(event, RecoveryRecorded) and event.customer_id is not None:
                recoveries.setdefault(event.recovery_id, recovery_row(event, event.customer_id))
            elif isinstance(event, SurveyAnswered) and event.customer_id is not None:
                surveys.setdefault(event.survey_id, survey_row(event, event.customer_id))
        support = SupportRepository(uow.session)
        await tickets.write(support.tickets())
        await support.add_breaches(list(breaches.values()))
        await support.add_recoveries(list(recoveries.values()))
        await support.add_surveys(list(surveys.values()))


def ticket_row(ticket: TicketSnapshot) -> Row:
    return {
        "ticket_id": ticket.id,
        "customer_id": ticket.customer_id,
        "version": ticket.version,
        "kind": ticket.kind.value,
        "status": ticket.status.value,
        "major": ticket.major,
        "category": ticket.category.value,
        "received_at": ticket.received_at,
    }


def breach_row(event: SlaBreached) -> Row:
    return {
        "ticket_id": event.ticket_id,
        "target": event.target.value,
        "customer_id": event.customer_id or event.ticket.customer_id,
        "breached_at": event.breached_at,
    }


def recovery_row(event: RecoveryRecorded, customer_id: str) -> Row:
    return {
        "recovery_id": event.recovery_id,
        "customer_id": customer_id,
        "ticket_id": event.ticket_id,
        "kind": event.kind.value,
        "cost": event.cost,
        "currency": event.currency,
        "recorded_at": event.recorded_at,
    }


def survey_row(event: SurveyAnswered, customer_id: str) -> Row:
    answers = [answer.model_dump(mode="json") for answer in event.answers]
    mean = mean_score(answers)
    return {
        "survey_id": event.survey_id,
        "customer_id": customer_id,
        "ticket_id": event.ticket_id,
        "answered_at": event.answered_at,
        "department": event.department,
        "mean_score": mean.quantize(STORED_PLACES) if mean is not None else None,
        "answers": answers,
    }

"""The SQL of what a merge or an erasure of a customer changes on every support table:
tickets, their history, recoveries, surveys, service visits and follow-up calls.
Set-based: one UPDATE per table."""

from datetime import datetime

from crm_shared.db.statements import affected_rows
from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_support.follow_ups.models import FollowUpCall, Visit
from crm_support.recoveries.models import Recovery
from crm_support.surveys.models import Survey
from crm_support.tickets.models import Ticket, TicketHistoryEntry

# What an erased ticket's description becomes (the column is NOT NULL).
ERASED = "[erased]"
# The ticket's free text: it quotes and names people.
PERSONAL_FIELDS = frozenset(
    {"subject", "description", "staff_involved", "real_cause", "desired_resolution",
     "lessons_learned"}
)  # fmt: skip
# What the audit log keeps of an erased ticket's changes: every column but the free text.
AUDIT_KEPT = frozenset(column.name for column in Ticket.__table__.columns) - PERSONAL_FIELDS


def _tickets_of(customer_id: str) -> Select[str]:
    return select(Ticket.id).where(Ticket.customer_id == customer_id)


def _about(model: type[Recovery] | type[Survey], customer_id: str) -> ColumnElement[bool]:
    # Its own customer id, or its ticket's: either may name the person.
    return or_(model.customer_id == customer_id, model.ticket_id.in_(_tickets_of(customer_id)))


class CustomerRecordsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ticket_ids(self, customer_id: str) -> list[str]:
        return list(await self.session.scalars(_tickets_of(customer_id).order_by(Ticket.id)))

    async def move_customer(self, from_id: str, to_id: str, now: datetime) -> int:
        """Merge: the duplicate's tickets (a new version each), recoveries, surveys, visits
        and follow-up calls follow the survivor. Returns the tickets moved."""
        moved = await self.session.execute(
            update(Ticket)
            .where(Ticket.customer_id == from_id)
            .values(customer_id=to_id, version=Ticket.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        for model in (Recovery, Survey, Visit, FollowUpCall):
            await self.session.execute(
                update(model)
                .where(model.customer_id == from_id)
                .values(customer_id=to_id)
                .execution_options(synchronize_session=False)
            )
        return affected_rows(moved)

    async def scrub_free_text(self, customer_id: str, now: datetime) -> None:
        """Erasure: the personal free text of the customer's tickets, their history, their
        recoveries, surveys, visits' notes and follow-up calls' notes. The business record
        (kinds, categories, times, costs, scores, call outcomes) stays: the statistics still
        count it."""
        tickets = _tickets_of(customer_id)
        await self.session.execute(
            update(TicketHistoryEntry)
            .where(TicketHistoryEntry.ticket_id.in_(tickets), TicketHistoryEntry.text.is_not(None))
            .values(text=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(Recovery)
            .where(_about(Recovery, customer_id))
            .values(description=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(Survey)
            .where(_about(Survey, customer_id))
            .values(comment=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(Visit)
            .where(Visit.customer_id == customer_id, Visit.notes.is_not(None))
            .values(notes=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(FollowUpCall)
            .where(FollowUpCall.customer_id == customer_id, FollowUpCall.note.is_not(None))
            .values(note=None)
            .execution_options(synchronize_session=False)
        )
        cleared = dict.fromkeys(PERSONAL_FIELDS - {"description"})
        await self.session.execute(
            update(Ticket)
            .where(Ticket.customer_id == customer_id)
            .values(description=ERASED, **cleared, version=Ticket.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )

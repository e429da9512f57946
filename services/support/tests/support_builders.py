"""Builders shared by the support service's tests."""

# --- surveys and recoveries: tickets inserted as rows (no ticket flow needed) ---

import uuid
from datetime import UTC, datetime
from typing import Any

from crm_support.tickets.models import Ticket, TicketHistoryEntry
from fastapi import FastAPI
from sqlalchemy import select

TICKET_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def insert_ticket(app: FastAPI, **fields: Any) -> str:
    """A ticket row as the ticket flow would leave it (resolved complaint by default);
    ``fields`` override any column. Returns its id."""
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "customer_id": str(uuid.uuid4()),
        "kind": "complaint",
        "category": "service_quality",
        "channel": "phone",
        "status": "resolved",
        "priority": "normal",
        "description": "The parcel arrived damaged.",
        "received_by": "agent-1",
        "owner": "agent-1",
        "department": "service",
        "received_at": TICKET_AT,
        "resolved_at": TICKET_AT,
        "created_by": "agent-1",
        "created_at": TICKET_AT,
        "updated_at": TICKET_AT,
        "version": 1,
        "major_reasons": [],
        **fields,
    }
    async with app.state.runtime.session_factory() as session:
        session.add(Ticket(**values))
        await session.commit()
    return str(values["id"])


async def history_of(app: FastAPI, ticket_id: str) -> list[TicketHistoryEntry]:
    async with app.state.runtime.session_factory() as session:
        statement = (
            select(TicketHistoryEntry)
            .where(TicketHistoryEntry.ticket_id == ticket_id)
            .order_by(TicketHistoryEntry.id)
        )
        return list(await session.scalars(statement))

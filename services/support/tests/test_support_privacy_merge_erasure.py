"""A merge moves every support record to the survivor; an erasure scrubs the complainant's
free text from every support table, the audit log and the database file."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from crm_shared.testing import deliver, deliveries_of, erased, merged, uid
from crm_support.handlers import handlers
from crm_support.recoveries.models import Recovery
from crm_support.settings import SupportSettings
from crm_support.surveys.models import Survey
from crm_support.tickets.models import Ticket, TicketHistoryEntry
from crm_support.tickets.privacy import ERASED
from fastapi import FastAPI
from sqlalchemy import select

from services.support.tests.support_builders import (
    START,
    report_insert,
    report_recovery,
    report_step,
    report_survey,
    report_ticket,
)

EVE, ADA = uid("eve"), uid("ada")
SECRET = "Zebedee Quixote-Marchbanks"  # the complainant's name, quoted everywhere


async def _eves_complaint(app: FastAPI, customer_id: str = EVE) -> Ticket:
    ticket = report_ticket(
        START,
        customer_id=customer_id,
        subject=f"{SECRET} is angry",
        description=f"{SECRET} says the kettle leaked on her floor",
        real_cause=f"{SECRET} used it upside down",
        desired_resolution=f"A new kettle for {SECRET}",
        staff_involved=f"Clerk who met {SECRET}",
        lessons_learned=f"Explain kettles to {SECRET}",
    )
    await report_insert(
        app,
        ticket,
        report_step(ticket, "acknowledged", START + timedelta(hours=1), f"Called {SECRET}"),
        report_recovery(ticket, "15.00", description=f"Voucher sent to {SECRET}"),
        report_survey(ticket, {"attitude": (4, 5)}, comment=f"{SECRET}: nice staff"),
    )
    return ticket


async def _read(app: FastAPI, model: Any, ticket_id: str) -> list[Any]:
    column = model.id if model is Ticket else model.ticket_id
    async with app.state.runtime.session_factory() as session:
        return list(await session.scalars(select(model).where(column == ticket_id)))


async def test_a_merge_moves_tickets_recoveries_and_surveys_to_the_survivor(
    support_app: FastAPI,
) -> None:
    dup = await _eves_complaint(support_app, uid("dup"))
    kept = await _eves_complaint(support_app, ADA)
    unit = support_app.state.runtime.unit_of_work
    await deliver(unit, handlers, deliveries_of(merged(ADA, uid("dup"), 2)))
    [ticket] = await _read(support_app, Ticket, dup.id)
    assert (ticket.customer_id, ticket.version) == (ADA, 2)
    assert [r.customer_id for r in await _read(support_app, Recovery, dup.id)] == [ADA]
    assert [s.customer_id for s in await _read(support_app, Survey, dup.id)] == [ADA]
    [untouched] = await _read(support_app, Ticket, kept.id)
    assert untouched.version == 1
    # Redelivered (a new envelope of the same merge): nothing left to move.
    await deliver(unit, handlers, deliveries_of(merged(ADA, uid("dup"), 3)))
    [again] = await _read(support_app, Ticket, dup.id)
    assert again.version == 2


async def test_an_erasure_scrubs_the_free_text_everywhere_and_keeps_the_record(
    support_app: FastAPI,
) -> None:
    eves = await _eves_complaint(support_app)
    adas = await _eves_complaint(support_app, ADA)  # another customer's: untouched
    await deliver(support_app.state.runtime.unit_of_work, handlers, deliveries_of(erased(EVE, 2)))

    [ticket] = await _read(support_app, Ticket, eves.id)
    assert ticket.description == ERASED
    assert (ticket.subject, ticket.real_cause, ticket.desired_resolution) == (None, None, None)
    assert (ticket.staff_involved, ticket.lessons_learned) == (None, None)
    assert (ticket.category, ticket.status, ticket.version) == ("product_quality", "received", 2)
    [step] = await _read(support_app, TicketHistoryEntry, eves.id)
    assert (step.text, step.to_status) == (None, "acknowledged")
    [recovery] = await _read(support_app, Recovery, eves.id)
    assert (recovery.description, str(recovery.cost)) == (None, "15.00")
    [survey] = await _read(support_app, Survey, eves.id)
    assert survey.comment is None

    [other] = await _read(support_app, Ticket, adas.id)
    assert SECRET in other.description
    [other_step] = await _read(support_app, TicketHistoryEntry, adas.id)
    assert other_step.text is not None

    entries = support_app.state.runtime.tables.audit_entries
    async with support_app.state.runtime.session_factory() as session:
        rows = (
            await session.execute(
                select(entries.c.record_id, entries.c.changes).where(
                    entries.c.record_type == "ticket"
                )
            )
        ).all()
    eves_entries = [changes for record_id, changes in rows if record_id == eves.id]
    assert eves_entries  # the creation was audited, and is now redacted
    assert SECRET not in json.dumps(eves_entries)
    assert "product_quality" in json.dumps(eves_entries)  # what names nobody stays
    assert SECRET in json.dumps([c for record_id, c in rows if record_id == adas.id])


async def test_an_erased_complainant_is_nowhere_in_the_database_file(
    support_app: FastAPI, support_settings: SupportSettings
) -> None:
    """The erasure scan's check (tests/integration/test_erasure_on_disk.py), on the support
    database alone: the file and its WAL, byte for byte."""
    if not support_settings.database_url.startswith("sqlite"):
        pytest.skip("the scan reads SQLite files (PostgreSQL keeps its files on the server)")
    database = Path(support_settings.database_url.split("///", 1)[1])
    files = [database, database.with_name(database.name + "-wal")]

    def holding() -> list[str]:
        return [p.name for p in files if p.exists() and SECRET.encode() in p.read_bytes()]

    await _eves_complaint(support_app)
    assert holding()  # the scan sees the person while they are there
    await deliver(support_app.state.runtime.unit_of_work, handlers, deliveries_of(erased(EVE, 2)))
    assert holding() == []

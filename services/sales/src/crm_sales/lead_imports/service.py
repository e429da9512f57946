"""The lead import (POST /v1/leads/import): good rows kept, bad rows reported with their
line, idempotent on re-import, set-based, each new lead made as POST /v1/leads makes one.

In two steps (:mod:`crm_sales.csv_imports`):

1. :func:`plan_import` reads the whole file (a malformed one is refused whole, with its
   line), checks every row (``rules.read_row``: the rules of POST /v1/leads), checks the
   owners the rows name against what the caller may assign (the owners' teams in one
   query), and drops the rows that are leads already: their external id taken, or (the
   next check) their normalised e-mail or phone an open lead's or an earlier row's. Reads
   only, one query per 5,000 keys.
2. :func:`write_chunk`, once per chunk of ``lead_import_chunk_rows`` rows, each in its own
   transaction (the caller commits after each): the leads made by
   :func:`crm_sales.leads.creation.new_leads` (routed, matched to their customers, scored),
   written in multi-row INSERTs, one ``LeadCreated`` per lead in the outbox. A crash loses
   at most the chunk being written; importing the file again skips what was committed
   (by external id, or as duplicates of the open leads it made) and writes the rest.

A duplicate is skipped, not refused: the file's person is already worked in an open lead
(whatever ``lead_duplicates`` says for a single create, an import never adds a twin).
"""

from collections.abc import Callable
from typing import TypeAlias

from crm_shared.auth.access import RecordScope
from crm_shared.csv_import import read_rows
from crm_shared.db import UnitOfWork
from crm_shared.db.audit import creation_changes

from crm_sales.csv_imports import ImportPlan, read_each
from crm_sales.lead_imports.repository import LeadImportRepository
from crm_sales.lead_imports.rules import LAYOUT, LeadRow, duplicate_of, read_row
from crm_sales.leads import creation
from crm_sales.leads.models import Lead
from crm_sales.settings import SalesSettings

LeadPlan: TypeAlias = ImportPlan[LeadRow]


async def plan_import(
    uow: UnitOfWork,
    content: bytes,
    settings: SalesSettings,
    scope: RecordScope,
    charge_rows: Callable[[int], None] = lambda rows: None,
) -> LeadPlan:
    """Step 1 (reads only). ``charge_rows`` is told the row count before anything else: the
    caller's rate limit counts an import by its rows, and may refuse it (by raising)."""
    csv_rows = read_rows(content, settings.lead_import_max_cell_chars, LAYOUT)
    charge_rows(len(csv_rows))
    plan: LeadPlan = ImportPlan()
    region = settings.default_phone_region
    rows = await read_each(
        csv_rows, lambda csv_row: read_row(csv_row.line, csv_row.cells, region), plan
    )
    rows = await _assignable(uow, rows, scope, plan)
    repository = LeadImportRepository(uow.session)
    external_ids = await repository.taken_external_ids(
        {row.external_id for row in rows if row.external_id}
    )
    emails, phones = await repository.open_keys(
        {row.draft.email_key for row in rows if row.draft.email_key},
        {row.draft.phone_key for row in rows if row.draft.phone_key},
    )
    for row in rows:  # in the file's order: of two rows of one person, the first wins
        if duplicate_of(row, external_ids, emails, phones) is not None:
            plan.skipped += 1
            continue
        plan.ready.append(row)
        for keys, key in (
            (external_ids, row.external_id),
            (emails, row.draft.email_key),
            (phones, row.draft.phone_key),
        ):
            if key is not None:
                keys.add(key)
    return plan


async def write_chunk(
    uow: UnitOfWork, chunk: list[LeadRow], plan: LeadPlan, settings: SalesSettings
) -> None:
    """Step 2, for one chunk (the caller commits it)."""
    made = await creation.new_leads(uow, [row.draft for row in chunk], settings)
    leads = [new.lead for new in made]
    rows = [creation.column_values(lead) for lead in leads]
    inserted = await LeadImportRepository(uow.session).insert_leads(rows)
    plan.imported += len(inserted)
    plan.skipped += len(leads) - len(inserted)  # its external id written meanwhile
    new = [lead for lead in leads if lead.id in inserted]
    for lead, values in zip(leads, rows, strict=True):
        if lead.id in inserted:
            uow.audit.note("lead", lead.id, "imported", creation_changes(Lead, values))
    creation.announce(uow, new)


async def _assignable(
    uow: UnitOfWork, rows: list[LeadRow], scope: RecordScope, plan: LeadPlan
) -> list[LeadRow]:
    """The rows whose owner the caller may assign (as for POST /v1/leads: itself, a member
    of a team it manages, or nobody); the others go to the plan's errors."""
    if scope.everything:
        return rows
    owners = {row.owner for row in rows if row.owner is not None}
    teams = await LeadImportRepository(uow.session).teams_of(owners)
    kept = []
    for row in rows:
        if row.owner is None or scope.may_assign(row.owner, teams.get(row.owner)):
            kept.append(row)
        else:
            plan.refuse(
                row.line,
                [
                    f"owner: you may not make {row.owner!r} the owner (yourself, a member of "
                    "a team you manage, or nobody: leave it empty to route the lead)"
                ],
            )
    return kept

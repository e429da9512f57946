"""Use cases that change many opportunities at once, with set-based statements: a merged
customer's opportunities follow the survivor, an erased customer's free text is scrubbed, a
leaving owner's open opportunities are handed over. Never commits.

Each moved opportunity still gets its next version and its own ``OpportunityChanged`` (the
analytics profile and the timeline follow it), and an audit entry: the rows are read once,
changed in memory for the events, and written with one UPDATE.
"""

from crm_shared.auth.access import RecordScope
from crm_shared.auth.tokens import Forbidden
from crm_shared.contracts.sales import OpportunityChanged
from crm_shared.db import UnitOfWork
from crm_shared.events.envelope import CloudEvent
from crm_shared.privacy import redact_audit, scrub_from_disk

from crm_sales.opportunities.events import snapshot_of
from crm_sales.opportunities.models import Opportunity
from crm_sales.opportunities.repository import OpportunityRepository

AUDIT_TYPE = "opportunity"
# What an erased customer's deal names and loss reasons become (a deal keeps having them).
ERASED_REASON = "[erased]"
# The free text about the deal that may name the person; everything else stays readable
# in the audit log (amounts, stages, dates name nobody).
FREE_TEXT = frozenset({"name", "loss_reason", "probability_override_reason"})


async def _reassign(
    uow: UnitOfWork,
    found: list[Opportunity],
    field: str,
    value: str,
    cause: CloudEvent | None = None,
) -> int:
    now = uow.clock.now()
    for opportunity in found:
        before = getattr(opportunity, field)
        setattr(opportunity, field, value)
        opportunity.touch(now)
        uow.audit.note(AUDIT_TYPE, opportunity.id, "changed", {field: [before, value]})
        uow.record(
            OpportunityChanged(
                record_id=opportunity.id,
                customer_id=opportunity.customer_id,
                changed_fields=[field],
                opportunity=snapshot_of(opportunity),
            ),
            cause=cause,
        )
    await OpportunityRepository(uow.session).set_values(
        [o.id for o in found], now, **{field: value}
    )
    return len(found)


async def follow_merge(
    uow: UnitOfWork, merged_customer_id: str, survivor_id: str, cause: CloudEvent | None = None
) -> int:
    """The merged customer's opportunities (open and closed) now belong to the survivor."""
    if merged_customer_id == survivor_id:
        return 0
    found = await OpportunityRepository(uow.session).load_detached(customer_id=merged_customer_id)
    return await _reassign(uow, found, "customer_id", survivor_id, cause)


async def scrub_erased(uow: UnitOfWork, customer_id: str) -> int:
    """Forget the free text about an erased customer's deals (loss reasons, override and
    stage-change reasons), in the tables and in the audit log."""
    repository = OpportunityRepository(uow.session)
    ids = await repository.scrub_reasons(customer_id, ERASED_REASON, uow.clock.now())
    if ids:
        kept = frozenset(column.key for column in Opportunity.__table__.columns) - FREE_TEXT
        await redact_audit(uow, AUDIT_TYPE, ids, kept)
        scrub_from_disk(uow)
    return len(ids)


async def hand_over(uow: UnitOfWork, from_owner: str, to_owner: str, scope: RecordScope) -> int:
    """Every open opportunity of ``from_owner`` to ``to_owner`` (DOMAIN.md §3: an owner's
    leaving reassigns their open work explicitly). An admin (a caller who reaches every
    record) may, or the manager of both owners' teams."""
    repository = OpportunityRepository(uow.session)
    if not scope.everything:
        teams = {await repository.team_of(from_owner), await repository.team_of(to_owner)}
        if None in teams or not teams <= scope.managed_teams:
            raise Forbidden(
                "only an admin or the manager of both owners' teams hands work over",
                code="handover-not-allowed",
            )
    if from_owner == to_owner:
        return 0  # nothing to hand over (checked after the permission: a 403 stays a 403)
    found = await repository.load_detached(owner=from_owner, only_open=True)
    return await _reassign(uow, found, "owner", to_owner)

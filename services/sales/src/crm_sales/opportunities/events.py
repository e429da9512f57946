"""An opportunity's snapshot and the event of a change (what its service and the merge and
erasure handlers record)."""

from crm_shared.contracts.sales import OpportunityChanged, OpportunitySnapshot, OpportunityStage
from crm_shared.db import UnitOfWork

from crm_sales.opportunities.models import Opportunity


def snapshot_of(opportunity: Opportunity) -> OpportunitySnapshot:
    return OpportunitySnapshot(
        id=opportunity.id,
        name=opportunity.name,
        customer_id=opportunity.customer_id,
        lead_id=opportunity.lead_id,
        owner=opportunity.owner,
        stage=OpportunityStage(opportunity.stage),
        probability=opportunity.probability,
        probability_overridden=opportunity.probability_overridden,
        amount=opportunity.amount,
        currency=opportunity.currency,
        weighted_amount=opportunity.weighted_amount,
        expected_close_date=opportunity.expected_close_date,
        loss_reason=opportunity.loss_reason,
        competitor=opportunity.competitor,
        closed_at=opportunity.closed_at,
        version=opportunity.version,
        created_at=opportunity.created_at,
        updated_at=opportunity.updated_at,
    )


def record_change(uow: UnitOfWork, opportunity: Opportunity, changed: list[str]) -> None:
    """If anything changed: the next version, and its event."""
    if not changed:
        return
    opportunity.touch(uow.clock.now())
    uow.record(
        OpportunityChanged(
            record_id=opportunity.id,
            customer_id=opportunity.customer_id,
            changed_fields=sorted(set(changed)),
            opportunity=snapshot_of(opportunity),
        )
    )

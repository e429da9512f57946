"""Opening an opportunity and attaching it to its customer: the two use cases a lead's
conversion needs. Minimal on this branch; the opportunities branch brings the whole
aggregate (this file is replaced at the merge, with these two signatures kept)."""

import uuid
from datetime import date
from decimal import Decimal

from crm_shared.contracts.sales import (
    OpportunityChanged,
    OpportunityOpened,
    OpportunitySnapshot,
    OpportunityStage,
)
from crm_shared.db import UnitOfWork

from crm_sales.db import FIRST_VERSION
from crm_sales.opportunities.models import Opportunity
from crm_sales.settings import SalesSettings


def _snapshot(opportunity: Opportunity) -> OpportunitySnapshot:
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
        weighted_amount=(opportunity.amount * Decimal(str(opportunity.probability))).quantize(
            Decimal("0.01")
        ),
        expected_close_date=opportunity.expected_close_date,
        version=opportunity.version,
        created_at=opportunity.created_at,
        updated_at=opportunity.updated_at,
    )


async def open_opportunity(
    uow: UnitOfWork,
    settings: SalesSettings,
    *,
    name: str,
    amount: Decimal,
    currency: str | None,
    customer_id: str | None,
    lead_id: str | None,
    owner: str | None,
    actor: str | None,
    stage: OpportunityStage = OpportunityStage.CONTACT,
    expected_close_date: date | None = None,
) -> Opportunity:
    now = uow.clock.now()
    opportunity = Opportunity(
        id=str(uuid.uuid4()),
        name=name,
        customer_id=customer_id,
        lead_id=lead_id,
        owner=owner,
        stage=stage.value,
        probability=settings.stage_probabilities[stage],
        probability_overridden=False,
        amount=amount,
        currency=currency or settings.default_currency,
        expected_close_date=expected_close_date,
        stage_entered_at=now,
        created_at=now,
        updated_at=now,
        version=FIRST_VERSION,
    )
    uow.session.add(opportunity)
    uow.record(
        OpportunityOpened(
            record_id=opportunity.id,
            customer_id=customer_id,
            opportunity=_snapshot(opportunity),
        )
    )
    return opportunity


async def attach_customer(
    uow: UnitOfWork, opportunity_id: str, customer_id: str
) -> Opportunity | None:
    """Set the customer of an opportunity that has none yet (a converted lead's, once the
    customer master answers); None if there is no such opportunity."""
    opportunity = await uow.session.get(Opportunity, opportunity_id)
    if opportunity is None or opportunity.customer_id is not None:
        return opportunity
    opportunity.customer_id = customer_id
    opportunity.touch(uow.clock.now())
    uow.record(
        OpportunityChanged(
            record_id=opportunity.id,
            customer_id=customer_id,
            changed_fields=["customer_id"],
            opportunity=_snapshot(opportunity),
        )
    )
    return opportunity

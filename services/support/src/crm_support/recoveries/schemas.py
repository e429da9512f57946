"""Request and response bodies of the service recovery API."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from crm_shared.contracts.support import RecoveryKind
from crm_shared.fields import Currency, PositiveAmount, text
from pydantic import BaseModel, ConfigDict, Field

from crm_support.recoveries.models import Recovery
from crm_support.recoveries.service import NewRecovery, RecoveryList


class RecoveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: RecoveryKind
    cost: PositiveAmount = Field(description="What it costs the company")
    currency: Currency | None = Field(
        None, description="Default: the ticket's currency, else CRM_SUPPORT_DEFAULT_CURRENCY"
    )
    description: Annotated[str, text(2000)] | None = None

    def new(self) -> NewRecovery:
        return NewRecovery(self.kind, self.cost, self.currency, self.description)


class RecoveryOut(BaseModel):
    id: str
    ticket_id: str
    customer_id: str
    kind: RecoveryKind
    cost: Decimal
    currency: str
    description: str | None
    approved_by: str
    over_limit: bool = Field(
        description="A manager approved it over the role's limit or the customer's actual loss"
    )
    recorded_at: datetime


class RecoveriesOut(BaseModel):
    items: list[RecoveryOut]
    totals: dict[str, Decimal] = Field(description="The cost per currency")


def recovery_out(recovery: Recovery) -> RecoveryOut:
    return RecoveryOut(
        id=recovery.id,
        ticket_id=recovery.ticket_id,
        customer_id=recovery.customer_id,
        kind=RecoveryKind(recovery.kind),
        cost=recovery.cost,
        currency=recovery.currency,
        description=recovery.description,
        approved_by=recovery.approved_by,
        over_limit=recovery.over_limit,
        recorded_at=recovery.recorded_at,
    )


def recoveries_out(found: RecoveryList) -> RecoveriesOut:
    return RecoveriesOut(
        items=[recovery_out(recovery) for recovery in found.recoveries], totals=found.totals
    )

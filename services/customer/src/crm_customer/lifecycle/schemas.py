from datetime import datetime
from typing import Annotated

from crm_shared.contracts.customer import LifecycleStage
from crm_shared.fields import text
from pydantic import BaseModel, Field

from crm_customer.customers.schemas import Strict
from crm_customer.customers.vocabulary import RelationshipPhase


class StageChangeIn(Strict):
    stage: LifecycleStage
    reason: Annotated[str, text(2000)] = Field(description="why the stage changes")


class StageChangeOut(BaseModel):
    id: int
    from_stage: LifecycleStage | None
    to_stage: LifecycleStage
    transition: str = Field(description="created, engaged, converted, lost, re_engaged, recovered")
    reason: str | None
    changed_by: str | None
    changed_at: datetime


class LifecycleOut(BaseModel):
    customer_id: str
    stage: LifecycleStage
    relationship_phase: RelationshipPhase | None
    allowed_next: list[LifecycleStage]
    version: int
    history: list[StageChangeOut] = Field(description="oldest first")

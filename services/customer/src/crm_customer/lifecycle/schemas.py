from datetime import datetime

from crm_shared.contracts.customer import LifecycleStage
from pydantic import BaseModel, Field

from crm_customer.customers.schemas import Strict
from crm_customer.customers.vocabulary import RelationshipPhase


class StageChangeIn(Strict):
    stage: LifecycleStage
    reason: str = Field(min_length=1, max_length=2000, description="why the stage changes")


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

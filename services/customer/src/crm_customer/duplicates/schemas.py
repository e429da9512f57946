from uuid import UUID

from pydantic import BaseModel, Field

from crm_customer.customers.schemas import Strict


class MergeIn(Strict):
    duplicate_id: UUID = Field(description="the record that becomes an alias of this one")


class DuplicateGroupOut(BaseModel):
    matched_on: str = Field(description="email, phone or name_company")
    key: str = Field(description="the normalised value they share")
    customer_ids: list[str] = Field(description="oldest first: a natural survivor")


class DuplicateReport(BaseModel):
    groups: list[DuplicateGroupOut]
    truncated: bool = Field(description="more groups exist than the limit returned")

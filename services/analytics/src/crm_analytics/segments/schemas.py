"""The segments API's bodies and answers."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from crm_shared.contracts.segments import SegmentFilter
from crm_shared.fields import Omittable, refuse_null, text
from pydantic import BaseModel, ConfigDict, Field, field_validator

Name = Annotated[str, text(100)]
Description = Annotated[str, text(1000)]


class SegmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    filter: SegmentFilter
    description: Description | None = None


class SegmentPatch(BaseModel):
    """Only the fields sent change; a new filter re-evaluates the membership."""

    model_config = ConfigDict(extra="forbid")

    name: Omittable[Name] = None
    filter: Omittable[SegmentFilter] = None
    description: Description | None = None

    _not_null = field_validator("name", "filter")(refuse_null)


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: SegmentFilter


class PreviewOut(BaseModel):
    size: int = Field(description="How many active customers the filter selects now")
    sample: list[str] = Field(description="The first of them, by customer id")


class SegmentOut(BaseModel):
    id: str
    name: str
    description: str | None
    filter: dict[str, Any]
    bands: dict[str, list[str]] = Field(
        description="The age and spend bands the filter was saved with"
    )
    size: int = Field(description="Its members now")
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class MemberOut(BaseModel):
    customer_id: str
    name: str | None
    email: str | None = Field(description="Masked without customers:pii")
    customer_type: str | None
    joined_at: datetime
    rfm_segment: str | None
    value_class: str | None
    churn_risk: str | None
    monetary_total: Decimal | None


class FilterFieldOut(BaseModel):
    field: str = Field(description="A field of the filter language")
    kind: str = Field(description="category, number or set")
    ops: list[str] = Field(description="The operators it takes")
    values: list[str] | None = Field(
        description="The values it takes (the bands of the settings, the RFM segment names, "
        "the ABC classes, ...); null: free text or a number"
    )

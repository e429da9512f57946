"""Search parameters of the customer list and export, and their keyset cursor."""

from datetime import datetime
from typing import Any

from crm_shared.api.pagination import decode_cursor, encode_cursor
from crm_shared.api.problems import TYPE_BASE, Problem
from crm_shared.contracts.customer import (
    CreditGrade,
    CustomerKind,
    CustomerStatus,
    LifecycleStage,
    OperatingGrade,
)
from pydantic import AwareDatetime, BaseModel, Field

from crm_customer.customers.models import Customer
from crm_customer.customers.vocabulary import (
    AreaType,
    BrandLoyalty,
    CustomerSort,
    Ownership,
    Source,
    UsageRate,
    UserStatus,
)

# Free-text profile fields matched case-insensitively and whole (city=berlin finds "Berlin").
TEXT_FILTERS = (
    "owner", "external_id", "region", "city", "city_size", "climate_zone", "industry",
    "occupation", "income_band", "gender", "education", "marital_status", "occasion",
)  # fmt: skip
# Closed-vocabulary fields: one or more values, any of which matches.
CHOICE_FILTERS = {
    "kind": "kind",
    "stage": "lifecycle_stage",
    "status": "status",
    "source": "source",
    "area_type": "area_type",
    "usage_rate": "usage_rate",
    "brand_loyalty": "brand_loyalty",
    "user_status": "user_status",
    "ownership": "ownership",
    "credit_grade": "credit_grade",
    "operating_grade": "operating_grade",
}


class CustomerFilter(BaseModel):
    name: str | None = Field(None, description="part of the name, any case")
    email: str | None = Field(None, description="the whole address, any case")
    phone: str | None = Field(None, description="any notation; compared in E.164")
    tag: list[str] = Field(default_factory=list, description="repeat: all must be present")
    kind: list[CustomerKind] = Field(default_factory=list)
    stage: list[LifecycleStage] = Field(default_factory=list)
    status: list[CustomerStatus] = Field(
        default_factory=lambda: [CustomerStatus.ACTIVE],
        description="active by default; merged aliases and erased tombstones on request",
    )
    source: list[Source] = Field(default_factory=list)
    area_type: list[AreaType] = Field(default_factory=list)
    usage_rate: list[UsageRate] = Field(default_factory=list)
    brand_loyalty: list[BrandLoyalty] = Field(default_factory=list)
    user_status: list[UserStatus] = Field(default_factory=list)
    ownership: list[Ownership] = Field(default_factory=list)
    credit_grade: list[CreditGrade] = Field(default_factory=list)
    operating_grade: list[OperatingGrade] = Field(default_factory=list)
    owner: str | None = None
    external_id: str | None = None
    region: str | None = None
    city: str | None = None
    city_size: str | None = None
    climate_zone: str | None = None
    industry: str | None = None
    occupation: str | None = None
    income_band: str | None = None
    gender: str | None = None
    education: str | None = None
    marital_status: str | None = None
    occasion: str | None = None
    created_after: AwareDatetime | None = None
    created_before: AwareDatetime | None = None
    sort: CustomerSort = CustomerSort.CREATED_AT


class Position:
    """Where a page ends: the sort key and id of its last row."""

    def __init__(self, key: Any, id_: str) -> None:
        self.key = key
        self.id = id_


def sort_key(customer: Customer, sort: CustomerSort) -> Any:
    if sort in (CustomerSort.NAME, CustomerSort.NAME_DESC):
        return customer.name_folded
    return customer.created_at


def cursor_after(customer: Customer, sort: CustomerSort) -> str:
    key = sort_key(customer, sort)
    if isinstance(key, datetime):
        key = key.isoformat()
    return encode_cursor({"sort": sort.value, "key": key, "id": customer.id})


def position_from(cursor: str | None, sort: CustomerSort) -> Position | None:
    values = decode_cursor(cursor)
    if values is None:
        return None
    if values.get("sort") != sort.value or not isinstance(values.get("id"), str):
        raise Problem(
            400,
            "the cursor belongs to another sort order; start again without a cursor",
            type_=TYPE_BASE + "invalid-cursor",
        )
    key = values.get("key")
    if sort in (CustomerSort.CREATED_AT, CustomerSort.CREATED_AT_DESC):
        try:
            key = datetime.fromisoformat(str(key))
        except ValueError as error:
            raise Problem(
                400, "the cursor is not one this API issued", type_=TYPE_BASE + "invalid-cursor"
            ) from error
    return Position(key, values["id"])

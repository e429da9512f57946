"""Search parameters of the customer list and export, and the keyset position a page ends at
(the HTTP edge turns it into an opaque cursor and back)."""

from datetime import datetime
from typing import Any

from crm_shared.contracts.customer import (
    CreditGrade,
    CustomerKind,
    CustomerStatus,
    LifecycleStage,
    OperatingGrade,
)
from crm_shared.cursors import InvalidCursorError
from crm_shared.fields import Instant
from pydantic import BaseModel, Field, model_validator

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
    created_after: Instant | None = None
    created_before: Instant | None = None
    updated_since: Instant | None = Field(
        None,
        description="only customers changed at or after this instant; for incremental sync "
        "leave sort out (the order is then (updated_at, id)): another sort is honoured, "
        "but a record changed during the walk may then be skipped",
    )
    sort: CustomerSort = Field(
        CustomerSort.CREATED_AT,
        description="created_at by default; updated_at when updated_since is given and sort "
        "is left out",
    )

    @model_validator(mode="after")
    def _sync_order(self) -> "CustomerFilter":
        """A sync walks changes oldest first: a record changed during the walk moves behind
        the cursor's position and is met again, never skipped."""
        if self.updated_since is not None and "sort" not in self.model_fields_set:
            self.sort = CustomerSort.UPDATED_AT
        return self


class Position:
    """Where a page ends: the sort key and id of its last row."""

    def __init__(self, key: Any, id_: str) -> None:
        self.key = key
        self.id = id_


TIMED_SORTS = {
    CustomerSort.CREATED_AT: "created_at",
    CustomerSort.CREATED_AT_DESC: "created_at",
    CustomerSort.UPDATED_AT: "updated_at",
    CustomerSort.UPDATED_AT_DESC: "updated_at",
}


def sort_column(sort: CustomerSort) -> str:
    """The column a sort order reads (the id breaks ties)."""
    return TIMED_SORTS.get(sort, "name_folded")


def sort_key(customer: Customer, sort: CustomerSort) -> Any:
    return getattr(customer, sort_column(sort))


def position_after(customer: Customer, sort: CustomerSort) -> Position:
    return Position(sort_key(customer, sort), customer.id)


def cursor_values(position: Position, sort: CustomerSort) -> dict[str, Any]:
    """What an opaque cursor holds (the HTTP edge encodes it)."""
    key = position.key.isoformat() if isinstance(position.key, datetime) else position.key
    return {"sort": sort.value, "key": key, "id": position.id}


def position_from(values: dict[str, Any] | None, sort: CustomerSort) -> Position | None:
    """The position a decoded cursor names, checked against the sort order asked for."""
    if values is None:
        return None
    if values.get("sort") != sort.value or not isinstance(values.get("id"), str):
        raise InvalidCursorError(
            "the cursor belongs to another sort order; start again without a cursor"
        )
    key = values.get("key")
    if sort in TIMED_SORTS:
        try:
            key = datetime.fromisoformat(str(key))
        except ValueError as error:
            raise InvalidCursorError("the cursor is not one this API issued") from error
    return Position(key, values["id"])

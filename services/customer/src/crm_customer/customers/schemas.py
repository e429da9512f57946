"""Request and response bodies of the customer resource.

The profile is grouped the way segmentation uses it (address, geographic, demographic,
psychographic, behavioural, business); the database keeps the groups' fields as columns of
the same names, so ``flatten`` and ``customer_out`` map one onto the other.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from crm_shared.contracts.customer import (
    ConsentChannel,
    CreditGrade,
    CustomerKind,
    CustomerStatus,
    LifecycleStage,
    OperatingGrade,
)
from crm_shared.fields import EmailAddress, Money, Omittable, TimeZone, refuse_null, text
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from crm_customer.customers.vocabulary import (
    AreaType,
    BrandLoyalty,
    Ownership,
    RelationshipPhase,
    Source,
    UsageRate,
    UserStatus,
)

Name = Annotated[str, text(200)]
Text20 = Annotated[str, text(20)]
Text50 = Annotated[str, text(50)]
Text100 = Annotated[str, text(100)]
Text200 = Annotated[str, text(200)]
Tag = Annotated[str, text(100)]
TagList = Annotated[list[Tag], Field(max_length=100)]
CountryCode = Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")]
# The shape of a phone number as people type it; whether it exists is a rule of each
# country's numbering plan, checked by the service (422 invalid-phone-number).
PhoneText = Annotated[
    str,
    StringConstraints(max_length=40, pattern=r"^[+(]?[0-9][0-9 ().\-/]{2,38}$"),
    Field(
        description="as typed (+country code, or read in the default region); must be a valid "
        "number of its country's numbering plan (422 invalid-phone-number); stored in E.164",
        examples=["+14155550123"],
    ),
]
Revenue = Annotated[Decimal, Money(integer_digits=16, positive=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Address(Strict):
    street: Text200 | None = None
    postal_code: Text20 | None = None
    country: CountryCode | None = Field(None, description="ISO 3166-1 alpha-2")


class Geographic(Strict):
    region: Text100 | None = None
    city: Text100 | None = None
    city_size: Text50 | None = Field(None, description='e.g. "tier 1", "under 100k"')
    area_type: AreaType | None = None
    climate_zone: Text50 | None = None
    time_zone: TimeZone | None = Field(
        None,
        description="IANA time zone the customer lives in; marketing's quiet hours and "
        "birthday greetings follow it (else the service's zone)",
    )


class Demographic(Strict):
    birth_date: date | None = None
    gender: Text50 | None = None
    income_band: Text50 | None = None
    occupation: Text100 | None = None
    industry: Text100 | None = None
    education: Text100 | None = None
    marital_status: Text50 | None = None
    household_size: int | None = Field(None, ge=1, le=100)

    @field_validator("birth_date")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("a birth date cannot be in the future")
        return value


class Psychographic(Strict):
    lifestyle: TagList = Field(default_factory=list)
    personality: TagList = Field(default_factory=list)
    social_class: TagList = Field(default_factory=list)


class Behavioural(Strict):
    usage_rate: UsageRate | None = None
    benefits_sought: TagList = Field(default_factory=list)
    brand_loyalty: BrandLoyalty | None = None
    user_status: UserStatus | None = None
    occasion: Text100 | None = None


class BusinessProfile(Strict):
    employees: int | None = Field(None, ge=0)
    annual_revenue: Revenue | None = None
    market_share: float | None = Field(None, ge=0, le=100, description="percent")
    ownership: Ownership | None = None


GROUPS: dict[str, type[Strict]] = {
    "address": Address,
    "geographic": Geographic,
    "demographic": Demographic,
    "psychographic": Psychographic,
    "behavioural": Behavioural,
    "business": BusinessProfile,
}
LIST_FIELDS = frozenset({"tags", "lifestyle", "personality", "social_class", "benefits_sought"})


class CustomerCreate(Strict):
    kind: CustomerKind
    name: Name
    company: Text200 | None = Field(None, description="for an individual: the employer")
    email: EmailAddress | None = None
    phone: PhoneText | None = None
    external_id: Text100 | None = Field(None, description="the id in the system it came from")
    owner: Text100 | None = None
    source: Source | None = None
    tags: TagList = Field(default_factory=list)
    lifecycle_stage: LifecycleStage = LifecycleStage.POTENTIAL
    relationship_phase: RelationshipPhase | None = None
    address: Address = Field(default_factory=Address)
    geographic: Geographic = Field(default_factory=Geographic)
    demographic: Demographic = Field(default_factory=Demographic)
    psychographic: Psychographic = Field(default_factory=Psychographic)
    behavioural: Behavioural = Field(default_factory=Behavioural)
    business: BusinessProfile = Field(default_factory=BusinessProfile)


class CustomerUpdate(Strict):
    """A partial update: fields present are set (``null`` clears), absent ones are kept.
    Inside a group the same holds per field. Stage, consent and credit have endpoints of
    their own, with their rules and audit trail."""

    kind: Omittable[CustomerKind] = None
    name: Omittable[Name] = None
    company: Text200 | None = None
    email: EmailAddress | None = None
    phone: PhoneText | None = None
    external_id: Text100 | None = None
    owner: Text100 | None = None
    source: Source | None = None
    tags: Omittable[TagList] = None
    relationship_phase: RelationshipPhase | None = None
    address: Omittable[Address] = None
    geographic: Omittable[Geographic] = None
    demographic: Omittable[Demographic] = None
    psychographic: Omittable[Psychographic] = None
    behavioural: Omittable[Behavioural] = None
    business: Omittable[BusinessProfile] = None

    _not_null = field_validator("kind", "name", *GROUPS, "tags")(refuse_null)


def flatten(body: CustomerCreate | CustomerUpdate, *, only_set: bool) -> dict[str, Any]:
    """The body as ``{column: value}``; with ``only_set``, just the fields the client sent."""
    values: dict[str, Any] = {}
    for name in body.model_fields_set if only_set else type(body).model_fields:
        value = getattr(body, name)
        if name in GROUPS:
            group: Strict = value
            fields = group.model_fields_set if only_set else type(group).model_fields
            values.update({field: getattr(group, field) for field in fields})
        else:
            values[name] = value
    return values


class CreditSummary(BaseModel):
    credit_grade: CreditGrade | None
    credit_basis: str | None = Field(description="computed (from receivables) or manual")
    operating_grade: OperatingGrade | None
    rated_at: datetime | None


class CustomerOut(BaseModel):
    id: str
    kind: CustomerKind
    status: CustomerStatus
    name: str
    company: str | None
    email: str | None
    phone: str | None
    external_id: str | None
    owner: str | None
    source: Source | None
    tags: list[str]
    lifecycle_stage: LifecycleStage
    relationship_phase: RelationshipPhase | None
    address: Address
    geographic: Geographic
    demographic: Demographic
    psychographic: Psychographic
    behavioural: Behavioural
    business: BusinessProfile
    consent: dict[ConsentChannel, bool] = Field(description="current state per channel")
    credit: CreditSummary
    merged_into: str | None = Field(description="for status merged: the surviving record")
    erased_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class DuplicateMatch(BaseModel):
    id: str
    name: str
    matched_on: list[str] = Field(description="email, phone and/or name_company")


class CustomerCreatedOut(CustomerOut):
    duplicates: list[DuplicateMatch] = Field(
        default_factory=list, description="existing customers this one looks like"
    )

"""Events the customer master publishes on ``crm.customer``.

Every event carries ``customer_version``, the version of the customer record after the change,
so that a consumer can ignore an event older than what it already applied (a replay, a
duplicate, or an event overtaken by a newer one). Full-state events carry a
:class:`CustomerSnapshot`, so a view never has to reconstruct a record from fragments.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from crm_shared.events.registry import IntegrationEvent, integration_event


class CustomerKind(StrEnum):
    INDIVIDUAL = "individual"
    BUSINESS = "business"
    PARTNER = "partner"
    INTERNAL = "internal"


class LifecycleStage(StrEnum):
    POTENTIAL = "potential"
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    LOST = "lost"


class ConsentChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    POST = "post"


class CreditGrade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


class OperatingGrade(StrEnum):
    SPECIAL = "special"
    GRADE_1 = "grade_1"
    GRADE_2 = "grade_2"
    GRADE_3 = "grade_3"


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    ERASED = "erased"


class ConsentDetail(BaseModel):
    """The current decision on one channel: granted or not, where it came from and when the
    person made it (``changed_at``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    granted: bool
    source: str | None = None
    changed_at: AwareDatetime | None = None


class PostalAddress(BaseModel):
    """Where letters reach the customer (direct mail). Personal data: the street and postal
    code are masked without ``customers:pii`` and scrubbed on erasure."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    street: str
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2")


class CustomerSnapshot(BaseModel):
    """The customer as other services may know it (no receivables or audit detail)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    kind: CustomerKind
    name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    lifecycle_stage: LifecycleStage
    status: CustomerStatus = CustomerStatus.ACTIVE
    credit_grade: CreditGrade | None = None
    operating_grade: OperatingGrade | None = None
    owner: str | None = None
    source: str | None = None
    # The customer's id in the system it came from (an ERP); null in older events.
    external_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    consent: dict[ConsentChannel, bool] = Field(default_factory=dict)
    # The same channels as ``consent`` with their source and time (empty in older events).
    consent_details: dict[ConsentChannel, ConsentDetail] = Field(default_factory=dict)
    birth_date: date | None = None
    # Null when the master has no street for the customer (and in older events).
    postal_address: PostalAddress | None = None
    region: str | None = None
    city: str | None = None
    industry: str | None = None
    # IANA name where the master knows where the customer lives (null in older events).
    time_zone: str | None = None
    segmentation: dict[str, Any] = Field(default_factory=dict)
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class CustomerEvent(IntegrationEvent):
    """An event about one customer record: keyed by the customer id, so all of a customer's
    events are ordered; ``customer_version`` is the record's version after the change."""

    key_field: ClassVar[str] = "customer_id"

    customer_id: str
    customer_version: int


@integration_event("crm.customer.created.v1")
class CustomerCreated(CustomerEvent):
    customer: CustomerSnapshot


@integration_event("crm.customer.updated.v1")
class CustomerUpdated(CustomerEvent):
    changed_fields: list[str]
    customer: CustomerSnapshot


@integration_event("crm.customer.lifecycle_changed.v1")
class CustomerLifecycleChanged(CustomerEvent):
    from_stage: LifecycleStage | None
    to_stage: LifecycleStage
    reason: str | None = None
    changed_by: str | None = None
    changed_at: datetime


@integration_event("crm.customer.consent_changed.v1")
class CustomerConsentChanged(CustomerEvent):
    channel: ConsentChannel
    granted: bool
    source: str | None = None
    changed_by: str | None = None
    changed_at: datetime


@integration_event("crm.customer.credit_rated.v1")
class CustomerCreditRated(CustomerEvent):
    credit_grade: CreditGrade | None
    operating_grade: OperatingGrade | None = None
    basis: str  # "computed" from receivables, or "manual" with a reason
    collected_share: float | None = None
    longest_payment_cycle_days: int | None = None
    reason: str | None = None
    rated_by: str | None = None


@integration_event("crm.customer.merged.v1")
class CustomerMerged(CustomerEvent):
    """``customer_id`` is the survivor; ``merged_customer_id`` is now an alias of it."""

    merged_customer_id: str
    customer: CustomerSnapshot


@integration_event("crm.customer.erased.v1")
class CustomerErased(CustomerEvent):
    erased_at: datetime


@integration_event("crm.customer.lead_linked.v1")
class CustomerLeadLinked(CustomerEvent):
    """The answer to ``crm.sales.lead_converted.v1``: the customer a converted lead became
    (``created``), or the existing customer it turned out to be (a duplicate, linked)."""

    lead_id: str
    opportunity_id: str | None = None
    created: bool


class ContactSnapshot(BaseModel):
    """A contact (a person at a business, partner or internal customer) as other services
    may know it (its notes stay in the customer master)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    customer_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    job_title: str | None = None
    department: str | None = None
    buying_roles: list[str] = Field(default_factory=list)
    is_primary: bool = False
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ContactEvent(CustomerEvent):
    """An event about one contact of a customer. A contact has its own version and a change
    of it does not change the customer's: ``customer_version`` is the customer's version at
    the time (not a new one), and ``contact_version`` is the contact's version after the
    change (on removal: the last version it had), which is what a consumer guards with."""

    contact_id: str
    contact_version: int


@integration_event("crm.customer.contact_added.v1")
class CustomerContactAdded(ContactEvent):
    contact: ContactSnapshot


@integration_event("crm.customer.contact_changed.v1")
class CustomerContactChanged(ContactEvent):
    changed_fields: list[str]
    contact: ContactSnapshot


@integration_event("crm.customer.contact_removed.v1")
class CustomerContactRemoved(ContactEvent):
    removed_at: datetime


# The events about a customer's contacts. They are not in CUSTOMER_EVENTS: the shared
# customer views keep no contacts, and a consumer without a handler for an event type on its
# topic skips it (counted as ignored, never dead-lettered).
CONTACT_EVENTS: tuple[type[ContactEvent], ...] = (
    CustomerContactAdded,
    CustomerContactChanged,
    CustomerContactRemoved,
)

# Every event of the customer record itself, in the order a record meets them.
CUSTOMER_EVENTS: tuple[type[CustomerEvent], ...] = (
    CustomerCreated,
    CustomerUpdated,
    CustomerLifecycleChanged,
    CustomerConsentChanged,
    CustomerCreditRated,
    CustomerMerged,
    CustomerErased,
)

from datetime import datetime

from crm_shared.fields import EmailAddress, Omittable, refuse_null
from pydantic import BaseModel, Field, field_validator

from crm_customer.customers.schemas import Name, PhoneText, Strict, Text100
from crm_customer.customers.vocabulary import BuyingRole

Roles = list[BuyingRole]


def _unique(roles: Roles | None) -> Roles | None:
    return None if roles is None else list(dict.fromkeys(roles))


class ContactCreate(Strict):
    name: Name
    email: EmailAddress | None = None
    phone: PhoneText | None = None
    job_title: Text100 | None = None
    department: Text100 | None = None
    buying_roles: Roles = Field(default_factory=list, description="a person may hold several")
    is_primary: bool = Field(False, description="the main contact (only one per customer)")
    notes: str | None = Field(None, max_length=4000)

    _roles = field_validator("buying_roles")(_unique)


class ContactUpdate(Strict):
    name: Omittable[Name] = None
    email: EmailAddress | None = None
    phone: PhoneText | None = None
    job_title: Text100 | None = None
    department: Text100 | None = None
    buying_roles: Omittable[Roles] = None
    is_primary: Omittable[bool] = None
    notes: str | None = Field(None, max_length=4000)

    _roles = field_validator("buying_roles")(_unique)
    _not_null = field_validator("name", "buying_roles", "is_primary")(refuse_null)


class ContactOut(BaseModel):
    id: str
    customer_id: str
    name: str
    email: str | None
    phone: str | None
    job_title: str | None
    department: str | None
    buying_roles: Roles
    is_primary: bool
    notes: str | None
    version: int
    created_at: datetime
    updated_at: datetime

"""The events the customer master publishes (contracts in ``crm_shared.contracts.customer``)
and the snapshot of a customer that full-state events carry."""

from decimal import Decimal
from typing import Any

from crm_shared.contracts.customer import CustomerSnapshot, PostalAddress

from crm_customer.customers.mapping import consent_details_of, consent_of, group_values
from crm_customer.customers.models import Customer

# Segmentation groups that travel in ``CustomerSnapshot.segmentation`` (flat, by field name).
# The postal address travels on its own (``postal_address``: marketing's direct mail).
_SEGMENTATION_GROUPS = ("geographic", "demographic", "psychographic", "behavioural", "business")


def segmentation_of(customer: Customer) -> dict[str, Any]:
    values: dict[str, Any] = {"relationship_phase": customer.relationship_phase}
    for group in _SEGMENTATION_GROUPS:
        values.update(group_values(customer, group))
    return {name: _json_value(value) for name, value in values.items()}


def snapshot_of(customer: Customer) -> CustomerSnapshot:
    return CustomerSnapshot.model_validate(
        {
            "id": customer.id,
            "kind": customer.kind,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "company": customer.company,
            "lifecycle_stage": customer.lifecycle_stage,
            "status": customer.status,
            "credit_grade": customer.credit_grade,
            "operating_grade": customer.operating_grade,
            "owner": customer.owner,
            "source": customer.source,
            "external_id": customer.external_id,
            "tags": customer.tags,
            "consent": consent_of(customer),
            "consent_details": consent_details_of(customer),
            "birth_date": customer.birth_date,
            "postal_address": postal_address_of(customer),
            "region": customer.region,
            "city": customer.city,
            "industry": customer.industry,
            "time_zone": customer.time_zone,
            "segmentation": segmentation_of(customer),
            "version": customer.version,
            "created_at": customer.created_at,
            "updated_at": customer.updated_at,
        }
    )


def postal_address_of(customer: Customer) -> PostalAddress | None:
    """Null without a street: a postal code or a country alone reaches nobody."""
    if not customer.street:
        return None
    return PostalAddress(
        street=customer.street,
        postal_code=customer.postal_code,
        city=customer.city,
        region=customer.region,
        country=customer.country,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value

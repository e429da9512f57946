"""From the customer model to what the API answers and what events carry."""

from typing import Any

from crm_shared.contracts.customer import ConsentChannel, ConsentDetail
from crm_shared.masking import ADDRESS_LINES, BIRTH, CONTACT_POINTS, mask_fields

from crm_customer.consent.models import decisions_of
from crm_customer.consent.rules import current_consent, current_decisions
from crm_customer.customers.models import Customer
from crm_customer.customers.schemas import GROUPS, CustomerCreatedOut, CustomerOut


def consent_of(customer: Customer) -> dict[ConsentChannel, bool]:
    return current_consent(decisions_of(customer.consent_records))


def consent_details_of(customer: Customer) -> dict[ConsentChannel, ConsentDetail]:
    """The current decision per channel with where it came from and when it was made (a
    merged survivor's include the decisions copied from the duplicate)."""
    records = customer.consent_records
    return {
        channel: ConsentDetail(
            granted=decision.granted,
            source=records[decision.order].source,
            changed_at=decision.decided_at,
        )
        for channel, decision in current_decisions(decisions_of(records)).items()
    }


def group_values(customer: Customer, group: str) -> dict[str, Any]:
    return {field: getattr(customer, field) for field in GROUPS[group].model_fields}


# The personal data of a customer, masked for a caller without customers:pii: top-level
# fields and, by group, the grouped ones; PERSONAL_COLUMNS is the same list flattened (the
# CSV export's columns).
PERSONAL_FIELDS = CONTACT_POINTS
PERSONAL_IN_GROUPS = {"address": ADDRESS_LINES, "demographic": BIRTH}
PERSONAL_COLUMNS = {**CONTACT_POINTS, **ADDRESS_LINES, **BIRTH}


def customer_out(customer: Customer, *, personal_data: bool) -> CustomerOut:
    return CustomerOut.model_validate(customer_fields(customer, personal_data=personal_data))


def customer_created_out(
    customer: Customer, duplicates: list[tuple[Customer, list[str]]], *, personal_data: bool
) -> CustomerCreatedOut:
    """The create's answer: the customer and the existing ones it looks like."""
    matches = [{"id": other.id, "name": other.name, "matched_on": on} for other, on in duplicates]
    fields = customer_fields(customer, personal_data=personal_data)
    return CustomerCreatedOut.model_validate({**fields, "duplicates": matches})


def customer_fields(customer: Customer, *, personal_data: bool) -> dict[str, Any]:
    """The answer's fields; without ``personal_data`` the personal ones masked
    (crm_shared.masking)."""
    fields = _fields(customer)
    if personal_data:
        return fields
    masked = mask_fields(fields, PERSONAL_FIELDS)
    for group, maskers in PERSONAL_IN_GROUPS.items():
        masked[group] = mask_fields(masked[group], maskers)
    return masked


def _fields(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "kind": customer.kind,
        "status": customer.status,
        "name": customer.name,
        "company": customer.company,
        "email": customer.email,
        "phone": customer.phone,
        "external_id": customer.external_id,
        "owner": customer.owner,
        "source": customer.source,
        "tags": customer.tags,
        "lifecycle_stage": customer.lifecycle_stage,
        "relationship_phase": customer.relationship_phase,
        **{name: group_values(customer, name) for name in GROUPS},
        "consent": consent_of(customer),
        "credit": {
            "credit_grade": customer.credit_grade,
            "credit_basis": customer.credit_basis,
            "operating_grade": customer.operating_grade,
            "rated_at": customer.credit_rated_at,
        },
        "merged_into": customer.merged_into,
        "erased_at": customer.erased_at,
        "version": customer.version,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }

"""The snapshot of a lead that its events carry (``crm_shared.contracts.sales``)."""

from crm_shared.contracts.sales import LeadSnapshot, LeadStatus

from crm_sales.leads.models import Lead


def snapshot_of(lead: Lead) -> LeadSnapshot:
    return LeadSnapshot(
        id=lead.id,
        name=lead.name,
        company=lead.company,
        email=lead.email,
        phone=lead.phone,
        source=lead.source,
        campaign_id=lead.campaign_id,
        owner=lead.owner,
        status=LeadStatus(lead.status),
        disqualified_reason=lead.disqualified_reason,
        customer_id=lead.customer_id,
        opportunity_id=lead.opportunity_id,
        score=lead.score,
        win_probability=lead.win_probability,
        version=lead.version,
        created_at=lead.created_at,
        updated_at=lead.updated_at,
    )

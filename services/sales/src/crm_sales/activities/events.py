"""The snapshot of an activity that its events carry (``crm_shared.contracts.sales``)."""

from crm_shared.contracts.sales import ActivityKind, ActivitySnapshot

from crm_sales.activities.models import Activity


def snapshot_of(activity: Activity) -> ActivitySnapshot:
    return ActivitySnapshot(
        id=activity.id,
        kind=ActivityKind(activity.kind),
        subject=activity.subject,
        owner=activity.owner,
        due_at=activity.due_at,
        done=activity.done,
        done_at=activity.done_at,
        outcome=activity.outcome,
        customer_id=activity.customer_id,
        opportunity_id=activity.opportunity_id,
        lead_id=activity.lead_id,
        version=activity.version,
    )

"""Builders of real ``crm.support`` events, as the support service publishes them, for the
tests of the services that consume them (analytics)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from crm_shared.contracts.support import (
    Category,
    Channel,
    CrisisRaised,
    Priority,
    RecoveryKind,
    RecoveryRecorded,
    SlaAtRisk,
    SlaBreached,
    SlaMet,
    SurveyAnswer,
    SurveyAnswered,
    TargetName,
    TicketChanged,
    TicketEscalated,
    TicketKind,
    TicketOpened,
    TicketSnapshot,
    TicketStatus,
)

SUPPORT_T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
OWNER = "agent-1"


def ticket(
    ticket_id: str,
    customer_id: str,
    *,
    kind: TicketKind = TicketKind.COMPLAINT,
    category: Category = Category.BILLING,
    channel: Channel = Channel.PHONE,
    status: TicketStatus = TicketStatus.RECEIVED,
    major: bool = False,
    received_at: datetime = SUPPORT_T0,
    version: int = 1,
) -> TicketSnapshot:
    return TicketSnapshot(
        id=ticket_id,
        customer_id=customer_id,
        kind=kind,
        category=category,
        channel=channel,
        status=status,
        priority=Priority.NORMAL,
        owner=OWNER,
        major=major,
        received_at=received_at,
        version=version,
    )


def ticket_opened(snapshot: TicketSnapshot) -> TicketOpened:
    return TicketOpened(record_id=snapshot.id, customer_id=snapshot.customer_id, ticket=snapshot)


def ticket_changed(
    snapshot: TicketSnapshot,
    from_status: TicketStatus | None = None,
    changed: tuple[str, ...] = ("status",),
) -> TicketChanged:
    return TicketChanged(
        record_id=snapshot.id,
        customer_id=snapshot.customer_id,
        changed_fields=list(changed),
        from_status=from_status,
        ticket=snapshot,
    )


def ticket_escalated(snapshot: TicketSnapshot, *reasons: str) -> TicketEscalated:
    return TicketEscalated(
        record_id=snapshot.id,
        customer_id=snapshot.customer_id,
        reasons=list(reasons),
        manager="manager-1",
        senior="senior-1" if snapshot.major else None,
        ticket=snapshot,
    )


def sla_at_risk(snapshot: TicketSnapshot, target: TargetName) -> SlaAtRisk:
    return SlaAtRisk(
        record_id=snapshot.id,
        customer_id=snapshot.customer_id,
        ticket_id=snapshot.id,
        target=target,
        due_at=snapshot.received_at + timedelta(hours=2),
        owner=snapshot.owner,
    )


def sla_met(snapshot: TicketSnapshot, target: TargetName) -> SlaMet:
    return SlaMet(
        record_id=snapshot.id,
        customer_id=snapshot.customer_id,
        ticket_id=snapshot.id,
        target=target,
        due_at=snapshot.received_at + timedelta(hours=2),
        met_at=snapshot.received_at + timedelta(hours=1),
    )


def sla_breached(snapshot: TicketSnapshot, target: TargetName) -> SlaBreached:
    due_at = snapshot.received_at + timedelta(hours=2)
    return SlaBreached(
        record_id=snapshot.id,
        customer_id=snapshot.customer_id,
        ticket_id=snapshot.id,
        target=target,
        due_at=due_at,
        breached_at=due_at,
        owner=snapshot.owner,
        ticket=snapshot,
    )


def recovery_recorded(
    recovery_id: str,
    snapshot: TicketSnapshot,
    cost: str,
    currency: str = "EUR",
    kind: RecoveryKind = RecoveryKind.VOUCHER,
    over_limit: bool = False,
) -> RecoveryRecorded:
    return RecoveryRecorded(
        record_id=recovery_id,
        customer_id=snapshot.customer_id,
        ticket_id=snapshot.id,
        recovery_id=recovery_id,
        kind=kind,
        cost=Decimal(cost),
        currency=currency,
        approved_by="manager-1",
        over_limit=over_limit,
        recorded_at=snapshot.received_at + timedelta(days=1),
    )


def survey_answered(
    survey_id: str,
    snapshot: TicketSnapshot,
    answers: dict[str, tuple[int, int | None]],
    answered_at: datetime | None = None,
) -> SurveyAnswered:
    """``answers``: ``{item: (score, expected)}``."""
    return SurveyAnswered(
        record_id=survey_id,
        customer_id=snapshot.customer_id,
        ticket_id=snapshot.id,
        survey_id=survey_id,
        questionnaire_version=1,
        answered_by="customer",
        department="service",
        owner=snapshot.owner,
        answers=[
            SurveyAnswer(item=item, score=score, expected=expected)
            for item, (score, expected) in answers.items()
        ],
        answered_at=answered_at or snapshot.received_at + timedelta(days=3),
    )


def crisis_raised(
    alert_id: str, ticket_ids: list[str], about: str = "cause:billing"
) -> CrisisRaised:
    return CrisisRaised(
        record_id=alert_id,
        about=about,
        count=len(ticket_ids),
        window_days=7,
        ticket_ids=ticket_ids,
        raised_at=SUPPORT_T0,
    )

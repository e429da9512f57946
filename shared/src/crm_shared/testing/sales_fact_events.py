"""Builders of real ``crm.sales`` events, as the sales service publishes them, for the tests
of the services that consume them (the customer master, analytics)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from crm_shared.contracts.sales import (
    LeadConverted,
    LeadSnapshot,
    LeadStatus,
    LineSnapshot,
    OpportunityChanged,
    OpportunityOpened,
    OpportunitySnapshot,
    OpportunityStage,
    OpportunityStageChanged,
    OrderCancelled,
    OrderPaymentChanged,
    OrderPlaced,
    OrderSnapshot,
    PaymentState,
)

SALES_T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def lead(
    lead_id: str,
    *,
    name: str = "Ada Lovelace",
    company: str | None = None,
    email: str | None = "ada@example.com",
    phone: str | None = None,
    source: str | None = "web",
    owner: str | None = None,
    customer_id: str | None = None,
    version: int = 3,
) -> LeadSnapshot:
    return LeadSnapshot(
        id=lead_id,
        name=name,
        company=company,
        email=email,
        phone=phone,
        source=source,
        owner=owner,
        status=LeadStatus.CONVERTED,
        customer_id=customer_id,
        score=40,
        version=version,
        created_at=SALES_T0,
        updated_at=SALES_T0,
    )


def lead_converted(
    lead_id: str, opportunity_id: str, customer_id: str | None = None, **fields: object
) -> LeadConverted:
    snapshot = lead(lead_id, customer_id=customer_id, **fields)  # type: ignore[arg-type]
    return LeadConverted(
        record_id=lead_id,
        customer_id=customer_id,
        opportunity_id=opportunity_id,
        lead=snapshot,
    )


def order(
    order_id: str,
    customer_id: str,
    *,
    number: str | None = None,
    total: str = "1000.00",
    currency: str = "EUR",
    ordered_at: datetime = SALES_T0,
    terms_days: int = 30,
    paid: str = "0",
    paid_on: date | None = None,
    written_off: str = "0",
    state: PaymentState | None = None,
    version: int = 1,
) -> OrderSnapshot:
    amount = Decimal(total)
    paid_amount = Decimal(paid)
    if state is None:
        state = PaymentState.PAID if paid_amount >= amount else PaymentState.OPEN
        if Decimal(written_off) > 0:
            state = PaymentState.WRITTEN_OFF
        elif Decimal(0) < paid_amount < amount:
            state = PaymentState.PARTIAL
    return OrderSnapshot(
        id=order_id,
        customer_id=customer_id,
        number=number or f"SO-{order_id[:8]}",
        source="api",
        ordered_at=ordered_at,
        currency=currency,
        total=amount,
        lines=[
            LineSnapshot(product="Widget", quantity=Decimal(1), unit_price=amount, amount=amount)
        ],
        payment_terms_days=terms_days,
        due_date=ordered_at.date() + timedelta(days=terms_days),
        paid_amount=paid_amount,
        written_off_amount=Decimal(written_off),
        paid_on=paid_on if paid_amount >= amount else None,
        payment_state=state,
        version=version,
    )


def order_placed(snapshot: OrderSnapshot) -> OrderPlaced:
    return OrderPlaced(record_id=snapshot.id, customer_id=snapshot.customer_id, order=snapshot)


def payment_changed(
    snapshot: OrderSnapshot, amount: str, occurred_on: date, kind: str = "payment"
) -> OrderPaymentChanged:
    return OrderPaymentChanged(
        record_id=snapshot.id,
        customer_id=snapshot.customer_id,
        amount=Decimal(amount),
        kind=kind,
        occurred_on=occurred_on,
        order=snapshot,
    )


def order_cancelled(
    snapshot: OrderSnapshot, reason: str | None = "customer withdrew"
) -> OrderCancelled:
    return OrderCancelled(
        record_id=snapshot.id, customer_id=snapshot.customer_id, reason=reason, order=snapshot
    )


PROBABILITY = {
    OpportunityStage.CONTACT: 0.1,
    OpportunityStage.NEEDS_ANALYSIS: 0.2,
    OpportunityStage.PROPOSAL: 0.4,
    OpportunityStage.QUOTE: 0.6,
    OpportunityStage.NEGOTIATION: 0.8,
    OpportunityStage.WON: 1.0,
    OpportunityStage.LOST: 0.0,
}


def opportunity(
    opportunity_id: str,
    customer_id: str | None,
    *,
    stage: OpportunityStage = OpportunityStage.CONTACT,
    amount: str = "10000.00",
    currency: str = "EUR",
    version: int = 1,
    name: str = "Fleet renewal",
) -> OpportunitySnapshot:
    probability = PROBABILITY[stage]
    value = Decimal(amount)
    return OpportunitySnapshot(
        id=opportunity_id,
        name=name,
        customer_id=customer_id,
        stage=stage,
        probability=probability,
        amount=value,
        currency=currency,
        weighted_amount=(value * Decimal(str(probability))).quantize(Decimal("0.01")),
        loss_reason="price" if stage == OpportunityStage.LOST else None,
        version=version,
        created_at=SALES_T0,
        updated_at=SALES_T0,
    )


def opportunity_opened(snapshot: OpportunitySnapshot) -> OpportunityOpened:
    return OpportunityOpened(
        record_id=snapshot.id, customer_id=snapshot.customer_id, opportunity=snapshot
    )


def opportunity_changed(
    snapshot: OpportunitySnapshot, changed: tuple[str, ...] = ("amount",)
) -> OpportunityChanged:
    return OpportunityChanged(
        record_id=snapshot.id,
        customer_id=snapshot.customer_id,
        changed_fields=list(changed),
        opportunity=snapshot,
    )


def stage_changed(
    snapshot: OpportunitySnapshot, from_stage: OpportunityStage
) -> OpportunityStageChanged:
    return OpportunityStageChanged(
        record_id=snapshot.id,
        customer_id=snapshot.customer_id,
        from_stage=from_stage,
        to_stage=snapshot.stage,
        changed_at=SALES_T0,
        opportunity=snapshot,
    )

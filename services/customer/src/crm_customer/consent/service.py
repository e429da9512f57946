"""Recording consent decisions; the current state is derived from the history."""

from datetime import timedelta

from crm_shared.contracts.customer import ConsentChannel, CustomerConsentChanged
from crm_shared.db import UnitOfWork, utcnow

from crm_customer.consent.models import ConsentRecord
from crm_customer.consent.rules import current_decisions
from crm_customer.consent.schemas import ConsentDecisionIn
from crm_customer.customers.models import Customer
from crm_customer.customers.service import ensure_changeable, invalid_input

# Clocks of callers drift a little; a decision further in the future is a mistake.
CLOCK_SKEW = timedelta(minutes=5)


def current_record(customer: Customer, channel: ConsentChannel) -> ConsentRecord | None:
    decision = current_decisions(r.as_decision() for r in customer.consent_records).get(channel)
    if decision is None:
        return None
    return next(r for r in customer.consent_records if r.id == decision.order)


async def record_decision(
    uow: UnitOfWork,
    customer: Customer,
    channel: ConsentChannel,
    body: ConsentDecisionIn,
    actor: str | None,
) -> ConsentRecord:
    ensure_changeable(customer)
    now = utcnow()
    decided_at = body.decided_at or now
    if decided_at > now + CLOCK_SKEW:
        raise invalid_input("body.decided_at", "a decision cannot be in the future")
    record = ConsentRecord(
        channel=channel.value,
        granted=body.granted,
        decided_at=decided_at,
        recorded_at=now,
        source=body.source,
        method=body.method,
        recorded_by=actor,
    )
    customer.consent_records.append(record)
    customer.updated_at = now  # consent is part of the record: its version moves
    await uow.session.flush()
    await publish_consent(uow, customer, channel, actor)
    return record


async def publish_consent(
    uow: UnitOfWork, customer: Customer, channel: ConsentChannel, actor: str | None
) -> None:
    """Publish the channel's state after the change: a back-dated decision recorded late
    does not override a newer one, and the event says what holds now."""
    current = current_record(customer, channel)
    assert current is not None
    await uow.publish(
        CustomerConsentChanged(
            customer_id=customer.id,
            customer_version=customer.version,
            channel=channel,
            granted=current.granted,
            source=current.source,
            changed_by=actor,
            changed_at=current.decided_at,
        )
    )

"""Recording consent decisions; the current state is derived from the history."""

from dataclasses import dataclass
from datetime import timedelta

from crm_shared.contracts.customer import ConsentChannel, CustomerConsentChanged
from crm_shared.db import UnitOfWork
from crm_shared.errors import InvalidError
from crm_shared.events import CloudEvent
from crm_shared.preconditions import ExpectedVersion

from crm_customer.consent.models import ConsentRecord, decisions_of
from crm_customer.consent.rules import current_decisions
from crm_customer.consent.schemas import ConsentDecisionIn
from crm_customer.customers.models import Customer
from crm_customer.customers.service import load, load_for_change

# Clocks of callers drift a little; a decision further in the future is a mistake.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class ConsentState:
    customer: Customer
    current: dict[ConsentChannel, ConsentRecord | None]  # the decision that holds, per channel
    history: list[ConsentRecord]  # every decision, oldest first


def consent_state(customer: Customer) -> ConsentState:
    records = customer.consent_records
    latest = current_decisions(decisions_of(records))
    current = {
        channel: records[latest[channel].order] if channel in latest else None
        for channel in ConsentChannel
    }
    oldest_first = sorted(enumerate(records), key=lambda pair: (pair[1].decided_at, pair[0]))
    return ConsentState(customer, current, [record for _, record in oldest_first])


async def get_consent(uow: UnitOfWork, customer_id: str) -> ConsentState:
    return consent_state(await load(uow, customer_id))


async def record_decision(
    uow: UnitOfWork,
    customer_id: str,
    channel: ConsentChannel,
    body: ConsentDecisionIn,
    actor: str | None,
    expected: ExpectedVersion,
    cause: CloudEvent | None = None,
) -> ConsentState:
    """``cause``: the event this decision answers (marketing's unsubscribe), for the trace."""
    customer = await load_for_change(uow, customer_id, expected)
    now = uow.clock.now()
    decided_at = body.decided_at or now
    if decided_at > now + CLOCK_SKEW:
        raise InvalidError("a decision cannot be in the future", location="body.decided_at")
    customer.consent_records.append(
        ConsentRecord(
            channel=channel.value,
            granted=body.granted,
            decided_at=decided_at,
            recorded_at=now,
            source=body.source,
            method=body.method,
            recorded_by=actor,
        )
    )
    customer.touch(now)  # consent is part of the record: its version moves
    state = consent_state(customer)
    # The channel's state after the change: a back-dated decision recorded late does not
    # override a newer one, and the event says what holds now.
    holding = state.current[channel]
    assert holding is not None
    uow.record(
        CustomerConsentChanged(
            customer_id=customer.id,
            customer_version=customer.version,
            channel=channel,
            granted=holding.granted,
            source=holding.source,
            changed_by=actor,
            changed_at=holding.decided_at,
        ),
        cause=cause,
    )
    return state

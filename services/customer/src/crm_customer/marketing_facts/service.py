"""Use cases driven by the marketing service's facts (``crm.marketing``). Never commits: the
consumer commits the inbox row, the change and its event together.

An unsubscribe is recorded through the same use case as ``PUT
/v1/customers/{id}/consent/{channel}``: the customer's version moves, the decision is in the
consent history and the audit trail, and ``crm.customer.consent_changed.v1`` follows, caused
by the unsubscribe. A replayed unsubscribe never reaches here (the inbox drops it).
"""

import logging

from crm_shared.contracts.marketing import Unsubscribed
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent
from crm_shared.preconditions import ANY_VERSION

from crm_customer.consent.schemas import ConsentDecisionIn
from crm_customer.consent.service import consent_state, record_decision
from crm_customer.customers.service import live_customer

log = logging.getLogger(__name__)

UNSUBSCRIBE_SOURCE = "marketing unsubscribe"
METHOD_MAX_LENGTH = 100  # ConsentDecisionIn.method


async def withdraw_consent(uow: UnitOfWork, event: Unsubscribed, envelope: CloudEvent) -> None:
    """Turn the channel's consent off for the customer the event names (the survivor of a
    merged one). Nothing for an erased or unknown customer, for a channel already withdrawn,
    or when the customer decided again after unsubscribing (a late event must not undo a
    newer opt-in). A channel never asked about gets the withdrawal on record: the person's
    "no" is worth keeping even where no "yes" was."""
    customer = await live_customer(uow, event.customer_id, lock=True)
    if customer is None:
        log.warning("unsubscribe of unknown or erased customer %s ignored", event.customer_id)
        return
    holding = consent_state(customer).current[event.channel]
    if holding is not None and (not holding.granted or holding.decided_at > event.unsubscribed_at):
        return
    # Never later than now: the use case refuses a decision from the future, and marketing's
    # clock may run a little ahead of ours.
    decided_at = min(event.unsubscribed_at, uow.clock.now())
    # How is marketing's label: one the consent record would refuse (blank, too long) must
    # not keep the withdrawal from being recorded.
    method = event.how.strip()[:METHOD_MAX_LENGTH] or None
    decision = ConsentDecisionIn(
        granted=False, source=UNSUBSCRIBE_SOURCE, method=method, decided_at=decided_at
    )
    # Whatever the version: the person's withdrawal holds against any change made meanwhile.
    await record_decision(
        uow, customer.id, event.channel, decision, None, ANY_VERSION, cause=envelope
    )

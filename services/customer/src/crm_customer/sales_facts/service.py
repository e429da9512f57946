"""Use cases driven by the sales service's facts (``crm.sales``). Never commits: the
consumer commits the inbox rows, these changes and their events together.

- A converted lead that is nobody's customer yet becomes one (or links the existing
  customer it duplicates), answered with ``crm.customer.lead_linked.v1``.
- Orders and their payments are the receivables the credit grade is computed from, and
  an order moves its customer through the lifecycle; a run of order events is applied in
  sets and re-rates (and moves) each customer it touched once.
"""

import logging
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from crm_shared.auth.access import EVERYTHING
from crm_shared.contact_keys import InvalidPhoneNumberError, normalize_email, normalize_phone
from crm_shared.contracts.customer import CustomerLeadLinked, CustomerStatus, LifecycleStage
from crm_shared.contracts.sales import LeadConverted, LeadSnapshot
from crm_shared.db import UnitOfWork
from crm_shared.db.rowset import RowSet
from crm_shared.events import CloudEvent
from pydantic import ValidationError

from crm_customer.contacts.schemas import ContactCreate
from crm_customer.contacts.service import add_contact
from crm_customer.credit import service as credit
from crm_customer.credit.models import ORDER_SOURCE
from crm_customer.customers.models import Customer
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.schemas import CustomerCreate
from crm_customer.customers.service import create_customer, live_customer
from crm_customer.db import FIRST_VERSION
from crm_customer.lifecycle.service import change_stage
from crm_customer.sales_facts.models import LeadLink
from crm_customer.sales_facts.repository import LeadLinkRepository, LifecycleTimes, OrderReceivables
from crm_customer.sales_facts.rules import (
    OrderEvent,
    OrderFact,
    contact_fields,
    customer_fields,
    distinct_reference,
    newest_per_order,
    order_fact,
    receivable_values,
    stage_after_orders,
    supersedes,
)
from crm_customer.settings import CustomerSettings

log = logging.getLogger(__name__)

ACTIVE, MERGED = CustomerStatus.ACTIVE.value, CustomerStatus.MERGED.value
RERATE_REASON = "orders changed"


# --- converted leads -------------------------------------------------------------------


async def link_converted_lead(
    uow: UnitOfWork, event: LeadConverted, envelope: CloudEvent, settings: CustomerSettings
) -> None:
    """The customer a converted lead is: the one it names, the existing customer it
    duplicates (same e-mail or phone), or a new one made from it. A second conversion event
    of the same lead answers what the first did and creates nothing."""
    lead = event.lead
    links = LeadLinkRepository(uow.session)
    held = await links.get(lead.id)
    if held is not None:
        customer = await live_customer(uow, held.customer_id)
        if customer is not None:
            _answer(uow, customer, lead.id, event.opportunity_id, held.created, envelope)
        return
    named = event.customer_id or lead.customer_id
    customer = await live_customer(uow, named) if named else None
    if named and customer is None and await CustomerRepository(uow.session).get(named):
        # Erased: the person asked to be forgotten; a lead must not bring them back.
        log.warning("lead %s converted for erased customer %s: not linked", lead.id, named)
        return
    created = False
    if customer is None:
        customer = await _duplicate_of(uow, lead, settings)
    if customer is None:
        customer = await _create_from(uow, lead, settings, envelope)
        created = True
    links.add(
        LeadLink(
            lead_id=lead.id,
            customer_id=customer.id,
            opportunity_id=event.opportunity_id,
            created=created,
            linked_at=uow.clock.now(),
        )
    )
    _answer(uow, customer, lead.id, event.opportunity_id, created, envelope)


def _answer(
    uow: UnitOfWork,
    customer: Customer,
    lead_id: str,
    opportunity_id: str | None,
    created: bool,
    cause: CloudEvent,
) -> None:
    uow.record(
        CustomerLeadLinked(
            customer_id=customer.id,
            customer_version=customer.version,
            lead_id=lead_id,
            opportunity_id=opportunity_id,
            created=created,
        ),
        cause=cause,
    )


async def _duplicate_of(
    uow: UnitOfWork, lead: LeadSnapshot, settings: CustomerSettings
) -> Customer | None:
    """The oldest active customer with the lead's e-mail or phone (normalised as the
    master's duplicate detection does; a name alone is no proof)."""
    matches = await CustomerRepository(uow.session).find_matches(
        email_normalized=normalize_email(lead.email),
        phone=_phone(lead.phone, settings),
        name_key=None,
        scope=EVERYTHING,
    )
    return matches[0] if matches else None


async def _create_from(
    uow: UnitOfWork, lead: LeadSnapshot, settings: CustomerSettings, cause: CloudEvent
) -> Customer:
    """Through the same use case as ``POST /v1/customers`` (same event, same audit)."""
    fields = customer_fields(lead)
    fields["phone"] = _phone(fields["phone"], settings)
    body = _valid(CustomerCreate, fields)
    customer = (
        await create_customer(
            uow, body, settings, actor=None, strict=False, scope=EVERYTHING, cause=cause
        )
    ).customer
    person = contact_fields(lead)
    if person is not None:
        person["phone"] = fields["phone"]
        await add_contact(uow, customer.id, _valid(ContactCreate, person), settings)
    return customer


def _phone(phone: str | None, settings: CustomerSettings) -> str | None:
    """The lead's phone in E.164, or None when the master would not take it as a number."""
    try:
        return normalize_phone(phone, settings.default_phone_region)
    except InvalidPhoneNumberError:
        return None


OPTIONAL_FIELDS = frozenset({"email", "phone", "owner", "source"})


Body = TypeVar("Body", CustomerCreate, ContactCreate)


def _valid(schema: type[Body], fields: dict[str, Any]) -> Body:
    """The body, without the optional fields the master's rules refuse (an address it
    cannot deliver to, a phone it cannot read): the sales service accepted them, and a
    customer without them beats no customer."""
    try:
        return schema.model_validate(fields)
    except ValidationError as error:
        refused = {str(problem["loc"][0]) for problem in error.errors() if problem["loc"]}
        if not refused <= OPTIONAL_FIELDS:
            raise
        return schema.model_validate({k: v for k, v in fields.items() if k not in refused})


# --- orders ----------------------------------------------------------------------------


async def apply_orders(
    uow: UnitOfWork, events: Sequence[OrderEvent], settings: CustomerSettings
) -> None:
    """Upsert the receivables of a run's orders (newest version each, in bulk), then
    re-rate every customer touched and move those whose orders count, once each."""
    newest = newest_per_order(order_fact(event) for event in events)
    if not newest:
        return
    receivables = OrderReceivables(uow.session)
    customers = await _changeable(uow, {fact.customer_id for fact in newest.values()})
    wanted = {
        f.order_id: (customers[f.customer_id].id, receivable_values(f)["reference"])
        for f in newest.values()
        if f.customer_id in customers
    }
    await receivables.adopt((c, reference, order) for order, (c, reference) in wanted.items())
    run = _OrderRun(
        uow.clock.now(),
        await receivables.load(newest.keys()),
        await receivables.holders(wanted.values()),
    )
    for fact in newest.values():
        run.apply(fact, customers.get(fact.customer_id))
    await receivables.write(run.rows)
    for customer in (await _changeable(uow, run.left - run.touched.keys())).values():
        run.touched[customer.id] = customer
    await credit.rerate_many(uow, run.touched.values(), settings, None, reason=RERATE_REASON)
    await _move_stages(uow, run.touched, run.ordered)


class _OrderRun:
    """The receivables of a run's orders, folded in memory."""

    def __init__(self, now: datetime, rows: RowSet, holders: dict[tuple[str, str], str]) -> None:
        self.now = now
        self.rows = rows
        self.holders = holders  # (customer id, reference): the order whose receivable it is
        self.touched: dict[str, Customer] = {}
        self.ordered: dict[str, list[OrderFact]] = {}
        self.left: set[str] = set()  # customers an order moved away from (a merge in sales)

    def apply(self, fact: OrderFact, customer: Customer | None) -> None:
        if customer is None:
            log.warning("order %s of unknown customer %s skipped", fact.order_id, fact.customer_id)
            return
        row = self.rows.get(fact.order_id)
        if row is not None and not supersedes(
            fact, row["order_version"], row["cancelled_at"] is not None
        ):
            return  # an older state, or an order cancelled for good
        values = {
            **receivable_values(fact),
            "customer_id": customer.id,
            "source": ORDER_SOURCE,
            "cancelled_at": self.now if fact.cancelled else None,
            "updated_at": self.now,
        }
        values["reference"] = self._free_reference(customer.id, values["reference"], fact)
        if row is None:
            new = {"id": str(uuid.uuid4()), "version": FIRST_VERSION, "order_id": fact.order_id}
            self.rows.insert(
                fact.order_id, {**new, "recorded_by": None, "created_at": self.now, **values}
            )
        else:
            if row["customer_id"] != customer.id:
                self.left.add(row["customer_id"])
            self.rows.update(fact.order_id, {**values, "version": row["version"] + 1})
        self.touched[customer.id] = customer
        if not fact.cancelled:
            self.ordered.setdefault(customer.id, []).append(fact)

    def _free_reference(self, customer_id: str, reference: str, fact: OrderFact) -> str:
        """The order number, unless another of the customer's receivables holds it (a
        reference is unique per customer): then the number marked with the order id."""
        holder = self.holders.setdefault((customer_id, reference), fact.order_id)
        if holder == fact.order_id:
            return reference
        distinct = distinct_reference(reference, fact.order_id)
        self.holders[(customer_id, distinct)] = fact.order_id
        return distinct


async def _changeable(uow: UnitOfWork, named: Collection[str]) -> dict[str, Customer]:
    """``{id named: the active customer it is}`` (a merged one's survivor), locked; erased
    and unknown ones are left out."""
    customers = CustomerRepository(uow.session)
    found = {c.id: c for c in await customers.by_ids(named, lock=True)}
    wanted = {c.merged_into for c in found.values() if c.status == MERGED and c.merged_into}
    found.update({c.id: c for c in await customers.by_ids(wanted - found.keys(), lock=True)})
    live: dict[str, Customer] = {}
    for customer_id in named:
        customer = found.get(customer_id)
        if customer is not None and customer.status == MERGED and customer.merged_into:
            customer = found.get(customer.merged_into)
        if customer is not None and customer.status == ACTIVE:
            live[customer_id] = customer
    return live


async def _move_stages(
    uow: UnitOfWork, customers: dict[str, Customer], ordered: dict[str, list[OrderFact]]
) -> None:
    lost = [c for c in ordered if customers[c].lifecycle_stage == LifecycleStage.LOST]
    lost_since = await LifecycleTimes(uow.session).lost_since(lost)
    for customer_id, orders in sorted(ordered.items()):
        customer = customers[customer_id]
        stage = LifecycleStage(customer.lifecycle_stage)
        change = stage_after_orders(stage, orders, lost_since.get(customer_id))
        if change is not None:
            change_stage(uow, customer, change.target, change.reason, actor=None)

"""Use cases of orders and payments: place (by hand, from an accepted quote), read, list,
record a payment, write off, cancel. Time from the unit of work's clock; the day that
decides ``overdue`` and ``late`` is its UTC date."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from crm_shared.auth.access import RecordScope
from crm_shared.auth.tokens import Forbidden
from crm_shared.contracts.sales import OrderCancelled, OrderPaymentChanged, OrderPlaced
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError, UnknownReferenceError
from crm_shared.preconditions import ExpectedVersion, check_version
from crm_shared.privacy import redact_audit

from crm_sales.db import FIRST_VERSION
from crm_sales.orders import rules
from crm_sales.orders.mapping import OrderRecord, snapshot_of
from crm_sales.orders.models import Order, OrderLine, Payment
from crm_sales.orders.repository import OrderRepository, OrderWhere
from crm_sales.orders.schemas import CancelIn, OrderCreate, OrderFilter, PaymentIn, WriteOffIn
from crm_sales.settings import SalesSettings

PLACED, CANCELLED = "placed", "cancelled"
# What the audit log keeps of an erased customer's orders: all but the free text.
AUDIT_KEPT = frozenset(Order.__table__.columns.keys()) - {"write_off_reason", "cancel_reason"}
BY_ORDERED_AT = (("ordered_at", instant), ("id", text))


@dataclass(frozen=True)
class NewOrder:
    """What placing an order needs, whoever asks (the API, an accepted quote)."""

    customer_id: str
    lines: Sequence[rules.LineValues]
    ordered_at: datetime | None = None
    payment_terms_days: int | None = None
    currency: str | None = None
    external_id: str | None = None
    owner: str | None = None
    opportunity_id: str | None = None
    quote_id: str | None = None
    source: str = "api"


def today_of(uow: UnitOfWork) -> date:
    return uow.clock.now().date()


async def create_order(
    uow: UnitOfWork, body: OrderCreate, settings: SalesSettings, scope: RecordScope, actor: str
) -> OrderRecord:
    lines = [rules.LineValues(x.product, x.quantity, x.unit_price, x.discount) for x in body.lines]
    new = NewOrder(
        customer_id=body.customer_id,
        lines=lines,
        ordered_at=body.ordered_at,
        payment_terms_days=body.payment_terms_days,
        currency=body.currency,
        external_id=body.external_id,
        owner=body.owner,
        opportunity_id=body.opportunity_id,
    )
    return await place_order(uow, new, settings, scope, actor)


async def place_order(
    uow: UnitOfWork, new: NewOrder, settings: SalesSettings, scope: RecordScope, actor: str
) -> OrderRecord:
    repository = OrderRepository(uow.session)
    customer_id = await known_customer(repository, new.customer_id)
    ensure_amounts_fit(new.lines)
    owner = await assignable_owner(repository, new.owner, scope, actor)
    if new.external_id is not None and await repository.existing_external_ids([new.external_id]):
        raise ConflictError(
            f"an order with external_id {new.external_id!r} exists already",
            code="external-id-taken",
        )
    now = uow.clock.now()
    ordered_at = new.ordered_at or now
    terms = (
        settings.payment_terms_days if new.payment_terms_days is None else new.payment_terms_days
    )
    total = rules.total_of(new.lines)
    number = rules.order_number(await repository.reserve_numbers("order"))
    order = Order(
        id=str(uuid.uuid4()),
        number=number,
        customer_id=customer_id,
        external_id=new.external_id,
        quote_id=new.quote_id,
        opportunity_id=new.opportunity_id,
        source=new.source,
        status=PLACED,
        owner=owner,
        ordered_at=ordered_at,
        currency=new.currency or settings.default_currency,
        total=total,
        payment_terms_days=terms,
        due_date=rules.due_date(ordered_at, terms),
        paid_amount=Decimal(0),
        written_off_amount=Decimal(0),
        payment_state=rules.settled_state(total, Decimal(0), Decimal(0)).value,
        version=FIRST_VERSION,
        created_at=now,
        updated_at=now,
    )
    lines = [
        OrderLine(
            order_id=order.id,
            position=position,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            amount=rules.line_amount(line.quantity, line.unit_price, line.discount),
        )
        for position, line in enumerate(new.lines, 1)
    ]
    repository.add(order)
    await repository.flush()  # the order before its lines (they refer to it)
    repository.add_lines(lines)
    snapshot = snapshot_of(order, lines, now.date())
    uow.record(OrderPlaced(record_id=order.id, customer_id=customer_id, order=snapshot))
    return OrderRecord(order, lines, [])


def ensure_amounts_fit(lines: Sequence[rules.LineValues]) -> None:
    if (reason := rules.too_large(lines)) is not None:
        raise InvalidError(reason, location="lines", code="amount-too-large")


async def known_customer(repository: OrderRepository, customer_id: str) -> str:
    """The id of the customer to sell to: one the sales view knows (a merged alias's
    survivor), not erased; else 422."""
    row = await repository.customer(customer_id)
    if row is None or row["status"] == "merged":  # an alias whose survivor is not known yet
        raise UnknownReferenceError(
            f"no customer {customer_id} is known to sales (yet)", location="customer_id"
        )
    if row["status"] == "erased":
        raise UnknownReferenceError(f"customer {customer_id} was erased", location="customer_id")
    return str(row["id"])


async def assignable_owner(
    repository: OrderRepository, owner: str | None, scope: RecordScope, actor: str
) -> str | None:
    """The owner named (one the caller may assign), or for a rep who names none: the rep."""
    if scope.everything:
        return owner
    if owner is None:
        return scope.user_id or actor
    if not scope.may_assign(owner, await repository.team_of(owner)):
        raise Forbidden(
            "you may make yourself the owner or (as a team's manager) a member of your team",
            code="owner-not-assignable",
        )
    return owner


async def get_order(uow: UnitOfWork, order_id: str, scope: RecordScope) -> OrderRecord:
    repository = OrderRepository(uow.session)
    order = await _load(repository, order_id, scope)
    lines = (await repository.lines_of([order.id]))[order.id]
    return OrderRecord(order, lines, await repository.payments_of(order.id))


async def list_orders(
    uow: UnitOfWork,
    filters: OrderFilter,
    cursor: str | None,
    limit: int,
    scope: RecordScope,
    *,
    count: bool,
) -> Slice[OrderRecord]:
    repository = OrderRepository(uow.session)
    where = OrderWhere(
        today=today_of(uow),
        customer_id=filters.customer_id,
        payment_state=filters.payment_state,
        ordered_from=filters.ordered_from,
        ordered_before=filters.ordered_before,
    )
    after = position_of(cursor, BY_ORDERED_AT)
    orders = await repository.search(where, after, limit + 1, scope)
    total = await repository.count(where, scope) if count else None
    lines = await repository.lines_of([order.id for order in orders[:limit]])
    records = [OrderRecord(order, lines.get(order.id, [])) for order in orders]
    return slice_of(
        records, limit, lambda r: [r.order.ordered_at, r.order.id], BY_ORDERED_AT, total
    )


async def record_payment(
    uow: UnitOfWork, order_id: str, body: PaymentIn, scope: RecordScope, actor: str
) -> tuple[Payment, OrderRecord]:
    repository = OrderRepository(uow.session)
    order = await _load(repository, order_id, scope, lock=True)
    _ensure_placed(order)
    owed = rules.outstanding(order.total, order.paid_amount, order.written_off_amount)
    if body.amount > owed:
        raise InvalidError(
            f"{body.amount} is more than the {owed} outstanding on order {order.number}",
            location="amount",
            code="overpayment",
        )
    now = uow.clock.now()
    paid_at = body.paid_at or now
    if paid_at > now:
        raise InvalidError("a payment is recorded once it is made, not ahead", location="paid_at")
    payment = Payment(
        id=str(uuid.uuid4()),
        order_id=order.id,
        amount=body.amount,
        paid_at=paid_at,
        method=body.method,
        reference=body.reference,
        prepayment=rules.is_prepayment(paid_at, order.ordered_at),
        late=rules.is_late(paid_at, order.due_date),
        recorded_by=actor,
        recorded_at=now,
    )
    payments = [*await repository.payments_of(order.id), payment]
    order.paid_amount += body.amount
    order.paid_on = rules.paid_on(
        order.total, [rules.PaidAt(p.amount, p.paid_at) for p in payments]
    )
    order.payment_state = rules.settled_state(
        order.total, order.paid_amount, order.written_off_amount
    ).value
    order.touch(now)
    repository.add_payment(payment)
    record = await _with_lines(repository, order, payments)
    _record_change(uow, record, "payment", body.amount, paid_at.date(), payment.id)
    return payment, record


async def write_off(
    uow: UnitOfWork,
    order_id: str,
    body: WriteOffIn,
    expected: ExpectedVersion,
    scope: RecordScope,
) -> OrderRecord:
    repository = OrderRepository(uow.session)
    order = await _load(repository, order_id, scope, lock=True)
    check_version(expected, order.version)
    _ensure_placed(order)
    owed = rules.outstanding(order.total, order.paid_amount, order.written_off_amount)
    if owed == 0:
        raise ConflictError(f"nothing is outstanding on order {order.number}", code="settled")
    amount = owed if body.amount is None else body.amount
    if amount > owed:
        raise InvalidError(
            f"{amount} is more than the {owed} outstanding on order {order.number}",
            location="amount",
        )
    now = uow.clock.now()
    order.written_off_amount += amount
    order.write_off_reason = body.reason
    order.payment_state = rules.settled_state(
        order.total, order.paid_amount, order.written_off_amount
    ).value
    order.touch(now)
    record = await _with_lines(repository, order, await repository.payments_of(order.id))
    _record_change(uow, record, "write_off", amount, now.date(), None)
    return record


async def cancel(
    uow: UnitOfWork, order_id: str, body: CancelIn, expected: ExpectedVersion, scope: RecordScope
) -> OrderRecord:
    repository = OrderRepository(uow.session)
    order = await _load(repository, order_id, scope, lock=True)
    check_version(expected, order.version)
    _ensure_placed(order)
    if order.paid_amount > 0 or order.written_off_amount > 0:
        raise ConflictError(
            f"order {order.number} has payments or write-offs: only an order with nothing "
            "paid can be cancelled",
            code="order-paid",
        )
    now = uow.clock.now()
    order.status = CANCELLED
    order.cancel_reason = body.reason
    order.cancelled_at = now
    order.touch(now)
    record = await _with_lines(repository, order, [])
    snapshot = snapshot_of(order, record.lines, now.date())
    uow.record(
        OrderCancelled(
            record_id=order.id, customer_id=order.customer_id, reason=body.reason, order=snapshot
        )
    )
    return record


async def _load(
    repository: OrderRepository, order_id: str, scope: RecordScope, *, lock: bool = False
) -> Order:
    order = await repository.reachable(order_id, scope, lock=lock)
    if order is None:
        raise NotFoundError.of("order", order_id)
    return order


async def _with_lines(
    repository: OrderRepository, order: Order, payments: list[Payment]
) -> OrderRecord:
    return OrderRecord(order, (await repository.lines_of([order.id]))[order.id], payments)


def _ensure_placed(order: Order) -> None:
    if order.status == CANCELLED:
        raise ConflictError(f"order {order.number} was cancelled", code="order-cancelled")


def _record_change(
    uow: UnitOfWork,
    record: OrderRecord,
    kind: str,
    amount: Decimal,
    occurred_on: date,
    payment_id: str | None,
) -> None:
    order = record.order
    snapshot = snapshot_of(order, record.lines, today_of(uow))
    uow.record(
        OrderPaymentChanged(
            record_id=order.id,
            customer_id=order.customer_id,
            payment_id=payment_id,
            amount=amount,
            kind=kind,
            occurred_on=occurred_on,
            order=snapshot,
        )
    )


async def follow_merge(uow: UnitOfWork, alias_id: str, survivor_id: str) -> None:
    """A merged customer's orders now belong to the survivor (one UPDATE). No event: the
    customer master moved its receivables with the merge, and every view follows merges."""
    await OrderRepository(uow.session).move_customer(alias_id, survivor_id)


async def forget_free_text(uow: UnitOfWork, customer_id: str) -> None:
    """An erased customer's payment references and the reasons written on its orders: free
    text that may name the person. Orders hold no other personal data (amounts, dates and
    products are business records, kept); the audit log forgets those texts too."""
    repository = OrderRepository(uow.session)
    await redact_audit(uow, "order", await repository.ids_of_customer(customer_id), AUDIT_KEPT)
    await repository.scrub_free_text(customer_id)

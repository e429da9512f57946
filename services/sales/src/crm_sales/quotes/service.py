"""Use cases of quotes: issue, read, list, revise, accept (it becomes an order), reject,
and expire: a quote with a validity date has a timer (``quote.expiry``) due at the start of
the day after it; if the quote is still undecided then, it is marked expired and
``QuoteDecided`` (status expired) is published. (Reads compute ``expired`` from the date
anyway: a late timer never lets an expired quote be accepted.)

Accepting a quote places its order and wins its opportunity (when it has an open one), in the
same unit of work: the deal is won when the customer accepts the quote."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from crm_shared.auth.access import EVERYTHING, RecordScope
from crm_shared.contracts.sales import QuoteDecided, QuoteIssued
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError
from crm_shared.preconditions import ExpectedVersion, check_version
from crm_shared.privacy import redact_audit
from crm_shared.timers import Timer, cancel, schedule

from crm_sales.db import FIRST_VERSION
from crm_sales.opportunities.service import close_won
from crm_sales.orders import rules as order_rules
from crm_sales.orders.mapping import OrderRecord
from crm_sales.orders.repository import OrderRepository
from crm_sales.orders.schemas import LineIn
from crm_sales.orders.service import (
    NewOrder,
    assignable_owner,
    ensure_amounts_fit,
    known_customer,
    place_order,
)
from crm_sales.quotes import rules
from crm_sales.quotes.mapping import QuoteRecord, snapshot_of
from crm_sales.quotes.models import Quote, QuoteLine
from crm_sales.quotes.repository import QuoteRepository, QuoteWhere
from crm_sales.quotes.schemas import QuoteCreate, QuoteFilter, QuoteReject, QuoteRevise
from crm_sales.settings import SalesSettings

BY_CREATED_AT = (("created_at", instant), ("id", text))
EXPIRY_TIMER = "quote.expiry"
# What the audit log keeps of an erased customer's quotes: all but the free text.
AUDIT_KEPT = frozenset(Quote.__table__.columns.keys()) - {"reject_reason"}


async def issue_quote(
    uow: UnitOfWork, body: QuoteCreate, settings: SalesSettings, scope: RecordScope, actor: str
) -> QuoteRecord:
    orders = OrderRepository(uow.session)
    customer_id = await known_customer(orders, body.customer_id)
    owner = await assignable_owner(orders, body.owner, scope, actor)
    today = uow.clock.now().date()
    valid_until = body.valid_until
    if valid_until is None:
        valid_until = rules.default_valid_until(today, settings.quote_validity_days)
    _ensure_valid_from(valid_until, today)
    repository = QuoteRepository(uow.session)
    number = rules.quote_number(await repository.reserve_number())
    quote = _new_quote(
        uow,
        number=number,
        revision=1,
        customer_id=customer_id,
        opportunity_id=body.opportunity_id,
        owner=owner,
        status=body.status,
        valid_until=valid_until,
        currency=body.currency or settings.default_currency,
    )
    return await _issue(uow, repository, quote, body.lines)


async def get_quote(uow: UnitOfWork, quote_id: str, scope: RecordScope) -> QuoteRecord:
    repository = QuoteRepository(uow.session)
    quote = await _load(repository, quote_id, scope)
    return QuoteRecord(quote, (await repository.lines_of([quote.id]))[quote.id])


async def list_quotes(
    uow: UnitOfWork,
    filters: QuoteFilter,
    cursor: str | None,
    limit: int,
    scope: RecordScope,
    *,
    count: bool,
) -> Slice[QuoteRecord]:
    repository = QuoteRepository(uow.session)
    where = QuoteWhere(
        today=uow.clock.now().date(),
        customer_id=filters.customer_id,
        opportunity_id=filters.opportunity_id,
        status=filters.status,
    )
    quotes = await repository.search(where, position_of(cursor, BY_CREATED_AT), limit + 1, scope)
    total = await repository.count(where, scope) if count else None
    lines = await repository.lines_of([quote.id for quote in quotes[:limit]])
    records = [QuoteRecord(quote, lines.get(quote.id, [])) for quote in quotes]
    return slice_of(
        records, limit, lambda r: [r.quote.created_at, r.quote.id], BY_CREATED_AT, total
    )


async def revise_quote(
    uow: UnitOfWork,
    quote_id: str,
    body: QuoteRevise,
    settings: SalesSettings,
    expected: ExpectedVersion,
    scope: RecordScope,
) -> QuoteRecord:
    """A new record, same number, next revision; the revised one becomes superseded."""
    repository = QuoteRepository(uow.session)
    old = await _load(repository, quote_id, scope, lock=True)
    check_version(expected, old.version)
    if (reason := rules.why_not_revisable(old.status)) is not None:
        raise ConflictError(reason, code="quote-not-revisable")
    today = uow.clock.now().date()
    valid_until = body.valid_until
    if valid_until is None and "valid_until" not in body.model_fields_set:
        valid_until = old.valid_until
        if valid_until is not None and valid_until < today:  # renewing an expired quote
            valid_until = rules.default_valid_until(today, settings.quote_validity_days)
    _ensure_valid_from(valid_until, today)
    lines: Sequence[LineIn] = body.lines or [
        LineIn(
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
        )
        for line in (await repository.lines_of([old.id]))[old.id]
    ]
    new = _new_quote(
        uow,
        number=old.number,
        revision=old.revision + 1,
        customer_id=old.customer_id,
        opportunity_id=old.opportunity_id,
        owner=old.owner,
        # A revision of an expired quote is sent again; a draft's stays a draft.
        status=old.status if old.status in rules.OPEN_STATUSES else rules.QuoteStatus.SENT.value,
        valid_until=valid_until,
        currency=body.currency or old.currency,
    )
    old.status = rules.QuoteStatus.SUPERSEDED.value
    old.superseded_by = new.id
    old.touch(uow.clock.now())
    await cancel(uow, EXPIRY_TIMER, old.id)
    return await _issue(uow, repository, new, lines)


async def accept_quote(
    uow: UnitOfWork,
    quote_id: str,
    settings: SalesSettings,
    expected: ExpectedVersion,
    scope: RecordScope,
    actor: str,
) -> tuple[QuoteRecord, OrderRecord]:
    record = await _decidable(uow, quote_id, expected, scope)
    quote = record.quote
    lines = [
        order_rules.LineValues(line.product, line.quantity, line.unit_price, line.discount)
        for line in record.lines
    ]
    new_order = NewOrder(
        customer_id=quote.customer_id,
        lines=lines,
        currency=quote.currency,
        owner=quote.owner,
        opportunity_id=quote.opportunity_id,
        quote_id=quote.id,
        source="quote",
    )
    order = await place_order(uow, new_order, settings, scope, actor)
    now = uow.clock.now()
    quote.status = rules.QuoteStatus.ACCEPTED.value
    quote.order_id = order.order.id
    quote.decided_at = now
    quote.touch(now)
    await cancel(uow, EXPIRY_TIMER, quote.id)
    _record_decision(uow, record, order.order.id)
    if quote.opportunity_id is not None:
        reason = f"quote {quote.number} (revision {quote.revision}) accepted: {order.order.number}"
        await close_won(uow, settings, quote.opportunity_id, actor, reason)
    return record, order


async def reject_quote(
    uow: UnitOfWork,
    quote_id: str,
    body: QuoteReject,
    expected: ExpectedVersion,
    scope: RecordScope,
) -> QuoteRecord:
    record = await _decidable(uow, quote_id, expected, scope)
    quote = record.quote
    now = uow.clock.now()
    quote.status = rules.QuoteStatus.REJECTED.value
    quote.reject_reason = body.reason
    quote.decided_at = now
    quote.touch(now)
    await cancel(uow, EXPIRY_TIMER, quote.id)
    _record_decision(uow, record, None)
    return record


async def _decidable(
    uow: UnitOfWork, quote_id: str, expected: ExpectedVersion, scope: RecordScope
) -> QuoteRecord:
    repository = QuoteRepository(uow.session)
    quote = await _load(repository, quote_id, scope, lock=True)
    check_version(expected, quote.version)
    today = uow.clock.now().date()
    if (reason := rules.why_not_decidable(quote.status, quote.valid_until, today)) is not None:
        raise ConflictError(reason, code="quote-not-decidable")
    return QuoteRecord(quote, (await repository.lines_of([quote.id]))[quote.id])


def _record_decision(uow: UnitOfWork, record: QuoteRecord, order_id: str | None) -> None:
    quote = record.quote
    uow.record(
        QuoteDecided(
            record_id=quote.id,
            customer_id=quote.customer_id,
            status=quote.status,
            order_id=order_id,
            quote=snapshot_of(record, uow.clock.now().date()),
        )
    )


def _new_quote(uow: UnitOfWork, **values: object) -> Quote:
    now = uow.clock.now()
    return Quote(
        id=str(uuid.uuid4()), version=FIRST_VERSION, created_at=now, updated_at=now, **values
    )


async def _issue(
    uow: UnitOfWork, repository: QuoteRepository, quote: Quote, lines_in: Sequence[LineIn]
) -> QuoteRecord:
    ensure_amounts_fit(
        [order_rules.LineValues(x.product, x.quantity, x.unit_price, x.discount) for x in lines_in]
    )
    lines = [
        QuoteLine(
            quote_id=quote.id,
            position=position,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            amount=order_rules.line_amount(line.quantity, line.unit_price, line.discount),
        )
        for position, line in enumerate(lines_in, 1)
    ]
    quote.total = sum((line.amount for line in lines), order_rules.ZERO)
    repository.add(quote)
    await repository.flush()  # the quote before its lines (they refer to it)
    repository.add_lines(lines)
    record = QuoteRecord(quote, lines)
    snapshot = snapshot_of(record, uow.clock.now().date())
    uow.record(QuoteIssued(record_id=quote.id, customer_id=quote.customer_id, quote=snapshot))
    if quote.valid_until is not None:
        due_at = datetime.combine(quote.valid_until + timedelta(days=1), time(), UTC)
        await schedule(uow, kind=EXPIRY_TIMER, key=quote.id, due_at=due_at)
    return record


async def expire_quote(uow: UnitOfWork, timer: Timer) -> None:
    """The ``quote.expiry`` timer: mark the quote expired if it is still undecided and its
    validity has passed (a revision or a decision cancels the timer; this guards the rest)."""
    repository = QuoteRepository(uow.session)
    quote = await repository.reachable(timer.key, EVERYTHING, lock=True)
    if quote is None or quote.status not in rules.OPEN_STATUSES:
        return
    now = uow.clock.now()
    if (
        rules.current_status(quote.status, quote.valid_until, now.date())
        is not rules.QuoteStatus.EXPIRED
    ):
        return
    quote.status = rules.QuoteStatus.EXPIRED.value
    quote.decided_at = now
    quote.touch(now)
    record = QuoteRecord(quote, (await repository.lines_of([quote.id]))[quote.id])
    _record_decision(uow, record, None)


def _ensure_valid_from(valid_until: date | None, today: date) -> None:
    if valid_until is not None and valid_until < today:
        raise InvalidError(
            f"{valid_until} has passed: a quote is valid until today or later",
            location="valid_until",
        )


async def _load(
    repository: QuoteRepository, quote_id: str, scope: RecordScope, *, lock: bool = False
) -> Quote:
    quote = await repository.reachable(quote_id, scope, lock=lock)
    if quote is None:
        raise NotFoundError.of("quote", quote_id)
    return quote


async def follow_merge(uow: UnitOfWork, alias_id: str, survivor_id: str) -> None:
    """A merged customer's quotes now belong to the survivor (one UPDATE)."""
    await QuoteRepository(uow.session).move_customer(alias_id, survivor_id)


async def forget_free_text(uow: UnitOfWork, customer_id: str) -> None:
    """An erased customer's rejection reasons (free text that may name the person), in the
    quotes and in the audit log."""
    repository = QuoteRepository(uow.session)
    await redact_audit(uow, "quote", await repository.ids_of_customer(customer_id), AUDIT_KEPT)
    await repository.scrub_free_text(customer_id)

"""The pure rules of lines, totals, due dates, payment states and quotes."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from crm_sales.orders import rules
from crm_sales.orders.numbers import DISCOUNT, QUANTITY
from crm_sales.orders.rules import LineValues, PaidAt
from crm_sales.orders.schemas import plain_decimal
from crm_sales.quotes import rules as quote_rules
from crm_sales.quotes.rules import QuoteStatus
from crm_shared.contracts.sales import PaymentState
from pydantic_core import PydanticCustomError

D = Decimal


def moment(day: int, month: int = 3, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "amount"),
    [
        ("1", "100.00", "0", "100.00"),
        ("3", "19.99", "0.1", "53.97"),  # 53.973
        ("1", "0.05", "0.5", "0.03"),  # 0.025 rounds half up
        ("2.5", "10.00", "0", "25.00"),
        ("7", "3.33", "1", "0.00"),  # a free line
        ("0.3333", "3.00", "0", "1.00"),  # 0.9999
    ],
)
def test_line_amount_is_rounded_to_the_cent(
    quantity: str, price: str, discount: str, amount: str
) -> None:
    assert rules.line_amount(D(quantity), D(price), D(discount)) == D(amount)


def test_a_discount_is_a_share() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        rules.line_amount(D(1), D(10), D("1.5"))


def test_the_total_is_the_sum_of_the_rounded_lines() -> None:
    lines = [LineValues("a", D(1), D("0.05"), D("0.5")), LineValues("b", D(1), D("0.05"), D("0.5"))]
    assert rules.total_of(lines) == D("0.06")  # 0.03 + 0.03, as the lines show
    assert rules.total_of([]) == D(0)


@pytest.mark.parametrize(
    ("terms", "due"), [(0, date(2026, 3, 2)), (30, date(2026, 4, 1)), (1, date(2026, 3, 3))]
)
def test_due_date_is_the_order_date_plus_the_terms(terms: int, due: date) -> None:
    assert rules.due_date(moment(2, hour=23), terms) == due


def test_negative_terms_are_refused() -> None:
    with pytest.raises(ValueError, match="0 days or more"):
        rules.due_date(moment(2), -1)


@pytest.mark.parametrize(
    ("paid", "written_off", "today", "state"),
    [
        ("0", "0", date(2026, 3, 10), PaymentState.OPEN),
        ("0", "0", date(2026, 3, 11), PaymentState.OPEN),  # the due date itself
        ("0", "0", date(2026, 3, 12), PaymentState.OVERDUE),
        ("40", "0", date(2026, 3, 1), PaymentState.PARTIAL),
        ("40", "0", date(2026, 3, 12), PaymentState.OVERDUE),
        ("100", "0", date(2026, 9, 1), PaymentState.PAID),
        ("40", "60", date(2026, 9, 1), PaymentState.WRITTEN_OFF),
        ("0", "100", date(2026, 3, 1), PaymentState.WRITTEN_OFF),
        ("0", "10", date(2026, 3, 1), PaymentState.OPEN),  # a partial write-off
        ("0", "10", date(2026, 3, 20), PaymentState.OVERDUE),
    ],
)
def test_payment_state(paid: str, written_off: str, today: date, state: PaymentState) -> None:
    assert rules.payment_state(D(100), D(paid), D(written_off), date(2026, 3, 11), today) is state


def test_current_state_of_a_stored_state() -> None:
    due = date(2026, 3, 11)
    assert rules.current_state("partial", due, date(2026, 3, 12)) is PaymentState.OVERDUE
    assert rules.current_state("paid", due, date(2026, 3, 12)) is PaymentState.PAID
    assert rules.current_state("open", due, date(2026, 3, 12), cancelled=True) is PaymentState.OPEN


def test_paid_on_is_the_day_the_sum_reached_the_total() -> None:
    payments = [PaidAt(D(60), moment(9)), PaidAt(D(30), moment(5)), PaidAt(D(10), moment(20))]
    assert rules.paid_on(D(100), payments) == date(2026, 3, 20)
    assert rules.paid_on(D(90), payments) == date(2026, 3, 9)
    assert rules.paid_on(D(101), payments) is None


def test_prepayment_and_late() -> None:
    ordered = moment(2, hour=10)
    assert rules.is_prepayment(moment(1), ordered)
    assert not rules.is_prepayment(moment(2, hour=11), ordered)
    due = date(2026, 3, 11)
    assert not rules.is_late(moment(11, hour=23), due)
    assert rules.is_late(moment(12, hour=0), due)


def test_outstanding_never_goes_below_zero() -> None:
    assert rules.outstanding(D(100), D(40), D(10)) == D(50)
    assert rules.outstanding(D(100), D(100), D(10)) == D(0)


def test_numbers() -> None:
    assert quote_rules.quote_number(123) == "Q-000123"
    assert rules.order_number(1) == "O-000001"
    assert rules.order_number(1_234_567) == "O-1234567"


def test_a_quote_expires_after_its_last_valid_day() -> None:
    until = date(2026, 3, 5)
    assert quote_rules.current_status("sent", until, date(2026, 3, 5)) is QuoteStatus.SENT
    assert quote_rules.current_status("draft", until, date(2026, 3, 6)) is QuoteStatus.EXPIRED
    assert quote_rules.current_status("sent", None, date(2030, 1, 1)) is QuoteStatus.SENT
    assert quote_rules.current_status("accepted", until, date(2026, 4, 1)) is QuoteStatus.ACCEPTED


@pytest.mark.parametrize(
    ("stored", "today", "reason"),
    [
        ("sent", date(2026, 3, 5), None),
        ("draft", date(2026, 3, 5), None),
        ("sent", date(2026, 3, 6), "expired"),
        ("superseded", date(2026, 3, 1), "superseded"),
        ("accepted", date(2026, 3, 1), "already accepted"),
        ("rejected", date(2026, 3, 1), "already rejected"),
    ],
)
def test_which_quotes_can_be_decided(stored: str, today: date, reason: str | None) -> None:
    found = quote_rules.why_not_decidable(stored, date(2026, 3, 5), today)
    assert (found is None) if reason is None else (found is not None and reason in found)


def test_a_stored_expiry_holds_and_an_expired_quote_can_be_revised() -> None:
    until = date(2026, 3, 5)
    assert quote_rules.current_status("expired", until, date(2026, 3, 6)) is QuoteStatus.EXPIRED
    reason = quote_rules.why_not_decidable("expired", until, date(2026, 3, 6))
    assert reason is not None
    assert "expired" in reason
    assert quote_rules.why_not_revisable("expired") is None


def test_only_open_quotes_can_be_revised() -> None:
    assert quote_rules.why_not_revisable("sent") is None
    assert quote_rules.why_not_revisable("draft") is None
    for final in ("superseded", "accepted", "rejected"):
        assert quote_rules.why_not_revisable(final) is not None


def test_default_validity() -> None:
    assert quote_rules.default_valid_until(date(2026, 3, 2), 30) == date(2026, 4, 1)
    assert quote_rules.default_valid_until(date(2026, 3, 2), 0) is None


def test_quantities_are_shown_as_written() -> None:
    assert plain_decimal(D("10.0000")) == "10"
    assert plain_decimal(D("0.1500")) == "0.15"
    assert plain_decimal(D("100")) == "100"


def test_a_total_must_fit_the_money_columns() -> None:
    fits = [LineValues("a", D(1), rules.MAX_AMOUNT)]
    assert rules.too_large(fits) is None
    reason = rules.too_large([*fits, LineValues("b", D(1), D("0.01"))])
    assert reason is not None
    assert "more than 999999999999.99" in reason


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        (3, "3"),
        ("2.5", "2.5"),
        ("0.0001", "0.0001"),
        ("0.10", "0.10"),
        (9_999_999_999, "9999999999"),
    ],
)
def test_a_quantity_is_an_integer_or_a_decimal_string(value: object, parsed: str) -> None:
    assert QUANTITY.parse(value) == D(parsed)


@pytest.mark.parametrize("value", [0, "0", "0.0000", "", "1.23456", 2.5, "-1", True, "1e3"])
def test_what_is_not_a_quantity(value: object) -> None:
    with pytest.raises(PydanticCustomError, match="greater than 0"):
        QUANTITY.parse(value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0, True),
        (1, True),
        ("0.15", True),
        ("1.0", True),
        ("1.01", False),
        (2, False),
        (0.5, False),
    ],
)
def test_a_discount_is_a_share_up_to_4_decimals(value: object, ok: bool) -> None:
    if ok:
        assert 0 <= DISCOUNT.parse(value) <= 1
    else:
        with pytest.raises(PydanticCustomError):
            DISCOUNT.parse(value)

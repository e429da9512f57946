"""The pure rules of one order history row: values, defaults, payments, identity."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from crm_sales.order_imports.rules import Defaults, RowRefusedError, read_row

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULTS = Defaults(currency="EUR", payment_terms_days=30, now=NOW)
ADA = "8d4a5f4e-2c1b-4f7a-9a40-5d8e1c2b3a4f"


def row(**cells: str) -> dict[str, str]:
    return {"customer_id": ADA, "ordered_at": "2025-01-10", "amount": "100.00", **cells}


def test_defaults_and_history_paid_in_full_on_its_order_date() -> None:
    read = read_row(2, row(), DEFAULTS)
    assert read.customer_ref == ("id", ADA)
    assert read.ordered_at == datetime(2025, 1, 10, tzinfo=UTC)
    assert (read.quantity, read.product, read.currency) == (Decimal(1), "imported order", "EUR")
    assert (read.payment_terms_days, read.due_date) == (30, date(2025, 2, 9))
    assert (read.paid_amount, read.paid_at) == (Decimal("100.00"), read.ordered_at)
    assert read.external_id is None
    assert read.natural_key is not None
    assert read.identity == f"k:{read.natural_key}"


@pytest.mark.parametrize(
    ("cells", "paid", "paid_at"),
    [
        ({"paid_amount": "0"}, "0", None),
        ({"paid_amount": "40.00"}, "40.00", datetime(2025, 1, 10, tzinfo=UTC)),
        ({"paid_at": "2025-02-01"}, "100.00", datetime(2025, 2, 1, tzinfo=UTC)),
        ({"paid_amount": "", "paid_at": ""}, "100.00", datetime(2025, 1, 10, tzinfo=UTC)),
    ],
)
def test_payment_columns(cells: dict[str, str], paid: str, paid_at: datetime | None) -> None:
    read = read_row(2, row(**cells), DEFAULTS)
    assert (read.paid_amount, read.paid_at) == (Decimal(paid), paid_at)


def test_times_without_an_offset_are_utc_and_offsets_are_converted() -> None:
    assert read_row(2, row(ordered_at="2025-01-10T10:30:00"), DEFAULTS).ordered_at == datetime(
        2025, 1, 10, 10, 30, tzinfo=UTC
    )
    converted = read_row(2, row(ordered_at="2025-01-10T01:00:00+02:00"), DEFAULTS)
    assert converted.ordered_at == datetime(2025, 1, 9, 23, 0, tzinfo=UTC)
    assert converted.due_date == date(2025, 2, 8)


def test_due_date_or_terms() -> None:
    assert read_row(2, row(due_date="2025-01-24"), DEFAULTS).payment_terms_days == 14
    assert read_row(2, row(payment_terms_days="0"), DEFAULTS).due_date == date(2025, 1, 10)
    agreeing = read_row(2, row(payment_terms_days="14", due_date="2025-01-24"), DEFAULTS)
    assert agreeing.payment_terms_days == 14


def test_an_external_id_is_the_identity() -> None:
    read = read_row(2, row(external_id="ERP-1"), DEFAULTS)
    assert read.identity == "x:ERP-1"
    assert read.natural_key is None


def test_the_natural_key_is_customer_time_amount_and_product_as_written() -> None:
    key = read_row(2, row(product="Widget"), DEFAULTS).natural_key
    assert read_row(9, row(product="Widget"), DEFAULTS).natural_key == key
    assert read_row(2, row(product="Gadget"), DEFAULTS).natural_key != key
    assert read_row(2, row(product="Widget", amount="100.01"), DEFAULTS).natural_key != key
    by_external = read_row(
        2, {**row(product="Widget"), "customer_id": "", "customer_external_id": ADA}, DEFAULTS
    )
    assert by_external.natural_key != key


def test_every_reason_of_a_row_is_reported() -> None:
    with pytest.raises(RowRefusedError) as refused:
        read_row(
            2,
            row(
                amount="12,50",
                currency="EURO",
                quantity="-1",
                payment_terms_days="x",
                ordered_at="2030-01-01",
            ),
            DEFAULTS,
        )
    columns = [error.split(":")[0] for error in refused.value.errors]
    assert columns == ["ordered_at", "amount", "quantity", "currency", "payment_terms_days"]


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"customer_id": ""}, "customer_id or customer_external_id"),
        ({"customer_id": "nope"}, "customer_id"),
        ({"ordered_at": ""}, "ordered_at"),
        ({"amount": ""}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"quantity": "1.00001"}, "quantity"),
        ({"quantity": "NaN"}, "quantity"),
        ({"due_date": "2025-01-01"}, "due_date"),
        ({"payment_terms_days": "5", "due_date": "2025-01-31"}, "due_date"),
        ({"paid_amount": "100.01"}, "paid_amount"),
        ({"paid_at": "2027-01-01"}, "paid_at"),
        ({"product": "x" * 201}, "product"),
        ({"external_id": "a\u0007b"}, "external_id"),
        ({"amount": "999999999999.00", "quantity": "0.5"}, "quantity"),
    ],
)
def test_a_bad_cell_refuses_its_row_with_the_column(cells: dict[str, str], column: str) -> None:
    with pytest.raises(RowRefusedError) as refused:
        read_row(2, row(**cells), DEFAULTS)
    assert refused.value.errors[0].startswith(f"{column}:")

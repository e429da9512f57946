"""crm_shared.fields: each type accepts exactly what its JSON Schema describes."""

import re
from decimal import Decimal
from typing import Annotated, Any

import pytest
from crm_shared.fields import (
    NON_BLANK,
    Currency,
    NonNegativeAmount,
    Omittable,
    PositiveAmount,
    refuse_null,
    text,
)
from pydantic import BaseModel, ValidationError, field_validator


class Invoice(BaseModel):
    amount: PositiveAmount
    paid: NonNegativeAmount = Decimal(0)
    currency: Currency | None = None
    note: Annotated[str, text(20)] | None = None


class Patch(BaseModel):
    name: Omittable[str] = None
    _not_null = field_validator("name")(refuse_null)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1", "1.00"), ("0.01", "0.01"), ("0.5", "0.50"), ("999999999999.99", "999999999999.99")],
)
def test_an_amount_is_a_decimal_string_in_cents(amount: str, expected: str) -> None:
    invoice = Invoice.model_validate_json(f'{{"amount": "{amount}"}}')
    assert invoice.amount == Decimal(expected)
    assert invoice.model_dump(mode="json")["amount"] == expected


@pytest.mark.parametrize(
    "amount",
    ["0", "0.00", "-1", "1.001", "01", "1e3", " 1", "1,000", "", "1000000000000", "NaN"],
)
def test_an_amount_outside_the_pattern_is_refused(amount: str) -> None:
    with pytest.raises(ValidationError):
        Invoice.model_validate({"amount": amount})
    schema = Invoice.model_json_schema()["properties"]["amount"]
    assert not re.fullmatch(schema["pattern"], amount)


@pytest.mark.parametrize("number", [1000, 10.5, 1.5e-72])
def test_an_amount_as_a_json_number_is_refused(number: Any) -> None:
    with pytest.raises(ValidationError, match="decimal string"):
        Invoice.model_validate({"amount": number})


def test_zero_is_paid_but_not_owed() -> None:
    assert Invoice.model_validate({"amount": "1", "paid": "0"}).paid == Decimal(0)


def test_currencies_are_iso_4217_upper_case() -> None:
    assert Invoice.model_validate({"amount": "1", "currency": "CHF"}).currency == "CHF"
    for code in ("chf", "XYZ", "EURO"):
        with pytest.raises(ValidationError):
            Invoice.model_validate({"amount": "1", "currency": code})


@pytest.mark.parametrize("value", ["", " ", "\t\n", "\u3000\u00a0", "\u2028"])
def test_blank_text_is_refused_by_the_model_and_the_pattern(value: str) -> None:
    with pytest.raises(ValidationError):
        Invoice.model_validate({"amount": "1", "note": value})
    assert not re.fullmatch(NON_BLANK, value)


@pytest.mark.parametrize("value", ["a", " a ", "Zoë", "a\tb"])
def test_text_with_a_visible_character_passes_both(value: str) -> None:
    assert Invoice.model_validate({"amount": "1", "note": value}).note == value.strip()
    assert re.fullmatch(NON_BLANK, value)


def test_an_omittable_field_may_be_left_out_but_not_nulled() -> None:
    assert Patch.model_validate({}).model_fields_set == set()
    with pytest.raises(ValidationError, match="leave the field out"):
        Patch.model_validate({"name": None})
    assert Patch.model_json_schema()["properties"]["name"] == {"title": "Name", "type": "string"}

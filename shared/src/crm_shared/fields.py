"""Field types every API uses the same way, each documented in the OpenAPI exactly as it is
checked, so that a generated client and the service agree on what is valid.

- :func:`text`: trimmed free text that may not be blank;
- :class:`Money` (:data:`PositiveAmount`, :data:`NonNegativeAmount`): an amount as a decimal
  string (``"1250.00"``), never a binary float;
- :data:`Currency`: an ISO 4217 code, upper case (the list pycountry ships);
- :data:`EmailAddress`: an address that can receive mail (email-validator, no DNS lookup);
- :data:`RecordId`: the id of another record, a UUID in its canonical text;
- :data:`Instant`: an RFC 3339 date-time with its offset, as text (not a Unix timestamp);
- :data:`Omittable`: a field of a partial update that may be left out but not sent as null.

Patterns are written with ``\\uXXXX`` escapes only, which Python's ``re``, pydantic-core's
Rust regex and ECMA-262 (JSON Schema) all read the same way.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeAlias, TypeVar
from zoneinfo import available_timezones

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# The control characters of crm_shared.text, which every API refuses in text.
CONTROL = "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F"
# The other characters a trim removes (Unicode White_Space).
SPACE = (
    "\\u0009\\u000A\\u000D\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"
)
# At least one character that is neither a control character nor a space.
NON_BLANK = f"^[^{CONTROL}]*[^{CONTROL}{SPACE}][^{CONTROL}]*$"


def text(max_length: int) -> Any:
    """Free text, trimmed; blank (empty or only spaces) is refused."""
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=NON_BLANK
    )


CENT = Decimal("0.01")


@dataclass(frozen=True)
class Money:
    """An amount with at most ``integer_digits`` digits before the point and two after, as a
    JSON string (a float cannot hold 0.10 exactly); ``positive`` refuses zero. Validated into
    a :class:`Decimal` in cents; written back as a string."""

    integer_digits: int
    positive: bool

    @property
    def pattern(self) -> str:
        whole = f"[1-9][0-9]{{0,{self.integer_digits - 1}}}(\\.[0-9]{{1,2}})?"
        below_one = "0\\.(0[1-9]|[1-9][0-9]?)" if self.positive else "0(\\.[0-9]{1,2})?"
        return f"^({whole}|{below_one})$"

    @property
    def bound(self) -> str:
        return "greater than 0" if self.positive else "0 or more"

    def parse(self, value: Any) -> Decimal:
        if isinstance(value, Decimal):  # built in Python, not read from JSON
            value = f"{value:f}"
        if not isinstance(value, str):
            raise PydanticCustomError(
                "money_type", 'send the amount as a decimal string such as "1250.00"'
            )
        if not re.fullmatch(self.pattern, value):
            raise PydanticCustomError(
                "money_format",
                "an amount {bound} with at most {digits} digits before the point and 2 after, "
                'such as "1250.00"',
                {"bound": self.bound, "digits": self.integer_digits},
            )
        return Decimal(value).quantize(CENT)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.parse, serialization=core_schema.to_string_ser_schema(when_used="json")
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": self.pattern,
            "examples": ["1250.00"],
            "description": f"a decimal string, {self.bound}, with at most 2 decimals",
        }


PositiveAmount = Annotated[Decimal, Money(integer_digits=12, positive=True)]
NonNegativeAmount = Annotated[Decimal, Money(integer_digits=12, positive=False)]

CURRENCY_CODES = frozenset(currency.alpha_3 for currency in pycountry.currencies)


def _known_currency(code: str) -> str:
    if code not in CURRENCY_CODES:
        raise PydanticCustomError("currency", "not an ISO 4217 currency code such as EUR")
    return code


Currency = Annotated[
    str,
    AfterValidator(_known_currency),
    WithJsonSchema({"type": "string", "enum": sorted(CURRENCY_CODES)}),
]

# The error type of an address with the shape of format "email" that cannot receive mail
# (a special-use domain such as .test or localhost): a rule JSON Schema cannot state.
UNDELIVERABLE_EMAIL = "email_address"


def _deliverable(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise PydanticCustomError(
            UNDELIVERABLE_EMAIL,
            "not an e-mail address that can receive mail: {reason}",
            {"reason": str(error)},
        ) from error


EmailAddress = Annotated[
    str,
    AfterValidator(_deliverable),
    WithJsonSchema(
        {
            "type": "string",
            "format": "email",
            "description": "an address that can receive mail: special-use domains (.test, "
            ".invalid, localhost) are refused with 422",
            "examples": ["ada@example.com"],
        }
    ),
]

_RFC_3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})"
)


def _rfc_3339_text(value: Any) -> Any:
    if isinstance(value, datetime):  # built in Python, not read from a request
        return value
    if not isinstance(value, str) or not _RFC_3339.fullmatch(value):
        raise PydanticCustomError(
            "instant",
            "send a date-time with its offset, such as 2026-12-01T09:30:00Z (RFC 3339)",
        )
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc_3339_text)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, date):  # built in Python, not read from a request
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("day", "send a date such as 2026-12-01 (ISO 8601)")
    return value


# A calendar day as a request sends it: "2026-12-01" only (pydantic would also take a
# number as seconds since 1970, which the OpenAPI's "format: date" does not allow).
Day = Annotated[date, BeforeValidator(_iso_date_text)]


def _canonical_uuid(value: Any) -> str:
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else _not_a_uuid()
    except ValueError:
        return _not_a_uuid()


def _not_a_uuid() -> str:
    raise PydanticCustomError("uuid", "not a UUID such as 3f2b8a9e-2c7d-4f1e-9b6a-1c2d3e4f5a6b")


RecordId = Annotated[
    str, BeforeValidator(_canonical_uuid), WithJsonSchema({"type": "string", "format": "uuid"})
]


def _known_zone(name: str) -> str:
    if name not in ZONES:
        raise PydanticCustomError("time_zone", "not an IANA time zone such as Europe/Berlin")
    return name


ZONES = frozenset(available_timezones())
# An IANA time zone name: the schema lists them all, so a client (and schemathesis) knows.
TimeZone = Annotated[
    str,
    AfterValidator(_known_zone),
    WithJsonSchema({"type": "string", "enum": sorted(ZONES), "examples": ["Europe/Berlin"]}),
]

T = TypeVar("T")
# Left out: the value is kept. The schema does not offer null (the model refuses it with
# "leave the field out to keep it"), so a generated client never sends it.


def _without_null(schema: dict[str, Any]) -> None:
    """The field's schema as its type's alone: null is neither offered nor the default."""
    schema.pop("default", None)
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


# Validated as ``T | None`` (one error for a wrong value, not one per union member); the
# field's schema is T's.
Omittable: TypeAlias = Annotated[T | None, Field(json_schema_extra=_without_null)]


def refuse_null(value: T) -> T:
    """The validator of :data:`Omittable` fields:
    ``field_validator("name", ...)(refuse_null)``."""
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep it")
    return value

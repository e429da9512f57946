"""Quantities and discounts as an API takes them: a JSON integer (``3``) or a decimal string
(``"2.5"``, ``"0.15"``), never a binary float, each documented in the OpenAPI exactly as it
is checked (so a generated client and the service agree on what is valid)."""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema


@dataclass(frozen=True)
class DecimalNumber:
    pattern: str  # of the string form
    minimum: int  # of the integer form
    maximum: int
    description: str

    def parse(self, value: Any) -> Decimal:
        if isinstance(value, Decimal):  # built in Python, not read from JSON
            value = f"{value:f}"
        if isinstance(value, float) and value.is_integer():  # 3.0 is the JSON integer 3
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if self.minimum <= value <= self.maximum:
                return Decimal(value)
        elif isinstance(value, str) and re.fullmatch(self.pattern, value):
            return Decimal(value)
        raise PydanticCustomError(
            "decimal_number", "{description}", {"description": self.description}
        )

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
            "anyOf": [
                {"type": "integer", "minimum": self.minimum, "maximum": self.maximum},
                {"type": "string", "pattern": self.pattern},
            ],
            "description": self.description,
        }


# Greater than 0, at most 10 digits before the point and 4 after.
_BELOW_ONE = "0\\.([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9])"
QUANTITY = DecimalNumber(
    pattern=f"^([1-9][0-9]{{0,9}}(\\.[0-9]{{1,4}})?|{_BELOW_ONE})$",
    minimum=1,
    maximum=9_999_999_999,
    description='how many: greater than 0, up to 4 decimals, as an integer or a string ("2.5")',
)
DISCOUNT = DecimalNumber(
    pattern="^(0(\\.[0-9]{1,4})?|1(\\.0{1,4})?)$",
    minimum=0,
    maximum=1,
    description='a share of the line from 0 to 1, up to 4 decimals, such as "0.15"',
)

Quantity = Annotated[Decimal, QUANTITY]
Discount = Annotated[Decimal, DISCOUNT]

"""The segment filter language: JSON a client writes, validated here (no SQL: the
repository compiles a valid filter to one WHERE clause).

A filter is a condition or a combination of filters::

    {"all": [f, ...]}   every one holds        {"any": [f, ...]}   at least one holds
    {"not": f}          f does not hold
    {"field": "industry", "op": "in", "value": ["retail", "wholesale"]}

Each field is of a kind, and the kind says which operators it takes:

- categories (``eq``, ``ne``, ``in``, ``not_in``, ``exists``): the profile's ``industry``,
  ``region``, ``city``, ``customer_type`` (kind), ``lifecycle_stage``, ``occupation``
  (segmentation), the bands ``age_band`` (birth date, today) and ``spend_band`` (total
  spend), the scores' ``rfm_segment``, ``abc_class``, ``value_class``, ``churn_risk``;
- numbers (``eq``, ``ne``, ``gte``, ``lte``, ``between`` [low, high], ``exists``):
  ``monetary_total``, ``orders``, ``recency_days``, ``churn_score``, ``clv_predicted``,
  ``probability_alive``;
- sets (``contains``; tags also ``exists``): ``tags`` (a tag), ``consent`` (a channel the
  customer granted).

Conditions are two-valued: a missing value never satisfies ``eq``/``in``/``gte``…, always
satisfies ``ne``/``not_in``, and ``not`` is the exact complement.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    model_validator,
)

MAX_DEPTH = 6
MAX_CONDITIONS = 100
MAX_VALUES = 100
MAX_NUMBER = 1e15


class Kind(StrEnum):
    CATEGORY = "category"
    NUMBER = "number"
    SET = "set"


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    GTE = "gte"
    LTE = "lte"
    BETWEEN = "between"
    CONTAINS = "contains"
    EXISTS = "exists"


CATEGORIES = (
    "age_band", "spend_band", "industry", "occupation", "customer_type", "region", "city",
    "lifecycle_stage", "rfm_segment", "abc_class", "value_class", "churn_risk",
)  # fmt: skip
NUMBERS = (
    "monetary_total", "orders", "recency_days", "churn_score", "clv_predicted",
    "probability_alive",
)  # fmt: skip
SETS = ("tags", "consent")
FIELD_KINDS: dict[str, Kind] = {
    **dict.fromkeys(CATEGORIES, Kind.CATEGORY),
    **dict.fromkeys(NUMBERS, Kind.NUMBER),
    **dict.fromkeys(SETS, Kind.SET),
}
OPS_OF_KIND: dict[Kind, frozenset[Op]] = {
    Kind.CATEGORY: frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.EXISTS}),
    Kind.NUMBER: frozenset({Op.EQ, Op.NE, Op.GTE, Op.LTE, Op.BETWEEN, Op.EXISTS}),
    Kind.SET: frozenset({Op.CONTAINS, Op.EXISTS}),
}
# Which of its kind's operators a field does not take.
REFUSED_OPS: dict[str, frozenset[Op]] = {"consent": frozenset({Op.EXISTS})}

FieldName = Literal[
    "age_band", "spend_band", "industry", "occupation", "customer_type", "region", "city",
    "lifecycle_stage", "rfm_segment", "abc_class", "value_class", "churn_risk",
    "monetary_total", "orders", "recency_days", "churn_score", "clv_predicted",
    "probability_alive", "tags", "consent",
]  # fmt: skip
Word = Annotated[str, Field(min_length=1, max_length=100)]
Number = Annotated[float, Field(ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False)]
Value = (
    bool
    | Number
    | Word
    | Annotated[list[Word | Number], Field(min_length=1, max_length=MAX_VALUES)]
)


def ops_of(field: str) -> list[str]:
    allowed = OPS_OF_KIND[FIELD_KINDS[field]] - REFUSED_OPS.get(field, frozenset())
    return sorted(op.value for op in allowed)


class Condition(BaseModel):
    """``{"field", "op", "value"}``; ``exists`` takes ``true`` (the default) or ``false``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: FieldName
    op: Op
    value: Value | None = None

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.op.value not in ops_of(self.field):
            raise ValueError(
                f"field {self.field!r} takes the operators {', '.join(ops_of(self.field))}, "
                f"not {self.op.value!r}"
            )
        problem = _value_problem(FIELD_KINDS[self.field], self.op, self.value)
        if problem is not None:
            raise ValueError(f"{self.field} {self.op.value}: {problem}")
        return self


def _value_problem(kind: Kind, op: Op, value: Any) -> str | None:
    scalar = str if kind is not Kind.NUMBER else float
    is_scalar = isinstance(value, scalar) and not isinstance(value, bool)
    if op is Op.EXISTS:
        return None if value is None or isinstance(value, bool) else "value is true or false"
    if op in (Op.IN, Op.NOT_IN):
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return None
        return "value is a list of text values"
    if op is Op.BETWEEN:
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(item, float) for item in value)
            and value[0] <= value[1]
        ):
            return None
        return "value is [low, high], two numbers, low <= high"
    if not is_scalar:
        return "value is a number" if kind is Kind.NUMBER else "value is a text value"
    return None


class AllOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    all: list["Filter"] = Field(min_length=1, max_length=MAX_CONDITIONS)


class AnyOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    any: list["Filter"] = Field(min_length=1, max_length=MAX_CONDITIONS)


class NotOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    not_: "Filter" = Field(alias="not")


SHAPES = {"all": AllOf, "any": AnyOf, "not": NotOf, "field": Condition}


def _shape(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((key for key in SHAPES if key in value), None)
    return next((key for key, model in SHAPES.items() if isinstance(value, model)), None)


Filter = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Condition, Tag("field")],
    Discriminator(
        _shape,
        custom_error_type="filter_shape",
        custom_error_message="a filter is {'all': [filters]}, {'any': [filters]}, "
        "{'not': filter} or a condition {'field', 'op', 'value'}",
    ),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()

FILTER = TypeAdapter[Any](Filter)


def conditions_of(node: Any, depth: int = 1) -> list[tuple[Condition, int]]:
    """Every condition of a filter with its depth (1: the filter is the condition)."""
    match node:
        case AllOf(all=parts) | AnyOf(any=parts):
            return [found for part in parts for found in conditions_of(part, depth + 1)]
        case NotOf(not_=part):
            return conditions_of(part, depth + 1)
    return [(node, depth)]


def bounded(node: Any) -> Any:
    """The validator of a whole filter: at most ``MAX_CONDITIONS`` conditions, nested at
    most ``MAX_DEPTH`` deep (a filter is read by people, and compiled to one query)."""
    found = conditions_of(node)
    if len(found) > MAX_CONDITIONS:
        raise ValueError(f"a filter has at most {MAX_CONDITIONS} conditions")
    if max(depth for _, depth in found) > MAX_DEPTH:
        raise ValueError(f"a filter nests at most {MAX_DEPTH} levels deep")
    return node


def stored(node: Any) -> dict[str, Any]:
    """The filter as saved (and shown): its JSON, without absent values."""
    document: dict[str, Any] = FILTER.dump_python(
        node, mode="json", by_alias=True, exclude_none=True
    )
    return document


def parsed(document: dict[str, Any]) -> Any:
    return FILTER.validate_python(document)

"""The segment filter language: JSON a client writes, validated here (no SQL: analytics'
segment repository compiles a valid filter to one WHERE clause). Shared, so that marketing
validates a campaign's inline audience with the same model and the event carries it.

A filter is a condition or a combination of filters::

    {"all": [f, ...]}   every one holds        {"any": [f, ...]}   at least one holds
    {"not": f}          f does not hold
    {"field": "industry", "op": "in", "value": ["retail", "wholesale"]}

Each field is of a kind, and the kind says which operators it takes:

- categories (``eq``, ``ne`` a text; ``in``, ``not_in`` a list of texts; ``exists``): the
  profile's ``industry``, ``region``, ``city``, ``customer_type`` (kind),
  ``lifecycle_stage``, ``occupation`` (segmentation), the bands ``age_band`` (birth date,
  today) and ``spend_band`` (total spend), the scores' ``rfm_segment``, ``abc_class``,
  ``value_class``, ``churn_risk``;
- numbers (``eq``, ``ne``, ``gte``, ``lte`` a number; ``between`` [low, high]; ``exists``):
  ``monetary_total``, ``orders``, ``recency_days``, ``churn_score``, ``clv_predicted``,
  ``probability_alive``;
- sets (``contains``; tags also ``exists``): ``tags`` (a tag), ``consent`` (a channel the
  customer granted).

Each (kind, operator) pair is a model of its own, so the JSON Schema (and the OpenAPI) says
exactly which value each operator takes. Conditions are two-valued: a missing value never
satisfies ``eq``/``in``/``gte``…, always satisfies ``ne``/``not_in``, and ``not`` is the
exact complement.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)

from crm_shared.contracts.customer import ConsentChannel

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


CategoryField = Literal[
    "age_band", "spend_band", "industry", "occupation", "customer_type", "region", "city",
    "lifecycle_stage", "rfm_segment", "abc_class", "value_class", "churn_risk",
]  # fmt: skip
NumberField = Literal[
    "monetary_total", "orders", "recency_days", "churn_score", "clv_predicted",
    "probability_alive",
]  # fmt: skip
ExistsField = Literal[CategoryField, NumberField, "tags"]
FIELD_KINDS: dict[str, Kind] = {
    **dict.fromkeys(get_args(CategoryField), Kind.CATEGORY),
    **dict.fromkeys(get_args(NumberField), Kind.NUMBER),
    **dict.fromkeys(("tags", "consent"), Kind.SET),
}
OPS_OF_KIND: dict[Kind, frozenset[Op]] = {
    Kind.CATEGORY: frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.EXISTS}),
    Kind.NUMBER: frozenset({Op.EQ, Op.NE, Op.GTE, Op.LTE, Op.BETWEEN, Op.EXISTS}),
    Kind.SET: frozenset({Op.CONTAINS, Op.EXISTS}),
}
# Which of its kind's operators a field does not take.
REFUSED_OPS: dict[str, frozenset[Op]] = {"consent": frozenset({Op.EXISTS})}

Word = Annotated[str, Field(min_length=1, max_length=100)]
Number = Annotated[float, Field(strict=True, ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False)]


def ops_of(field: str) -> list[str]:
    allowed = OPS_OF_KIND[FIELD_KINDS[field]] - REFUSED_OPS.get(field, frozenset())
    return sorted(op.value for op in allowed)


class _Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryIs(_Condition):
    field: CategoryField
    op: Literal["eq", "ne"]
    value: Word


class CategoryIn(_Condition):
    field: CategoryField
    op: Literal["in", "not_in"]
    value: list[Word] = Field(min_length=1, max_length=MAX_VALUES)


class NumberIs(_Condition):
    field: NumberField
    op: Literal["eq", "ne", "gte", "lte"]
    value: Number


class NumberBetween(_Condition):
    """``[low, high]``, both included (low above high selects no one)."""

    field: NumberField
    op: Literal["between"]
    value: tuple[Number, Number]


class Exists(_Condition):
    """The field has a value (``true``, the default) or has none (``false``)."""

    field: ExistsField
    op: Literal["exists"]
    value: StrictBool = True


class TagContains(_Condition):
    field: Literal["tags"]
    op: Literal["contains"]
    value: Word


class ConsentContains(_Condition):
    """The customer granted consent on this channel."""

    field: Literal["consent"]
    op: Literal["contains"]
    value: ConsentChannel


class _Refused(BaseModel):
    """A condition of an unknown field, or with an operator its field does not take:
    refused with a message saying what the field takes. Absent from the JSON Schema (it
    is never valid)."""

    @model_validator(mode="before")
    @classmethod
    def _refuse(cls, value: Any) -> Any:
        field, op = value.get("field"), value.get("op")
        if not isinstance(field, str) or field not in FIELD_KINDS:
            raise ValueError(f"unknown field {field!r}: one of {', '.join(FIELD_KINDS)}")
        raise ValueError(
            f"field {field!r} takes the operators {', '.join(ops_of(field))}, not {op!r}"
        )


CONDITIONS: dict[tuple[Kind, str], type[_Condition]] = {
    **{(Kind.CATEGORY, op): CategoryIs for op in ("eq", "ne")},
    **{(Kind.CATEGORY, op): CategoryIn for op in ("in", "not_in")},
    **{(Kind.NUMBER, op): NumberIs for op in ("eq", "ne", "gte", "lte")},
    (Kind.NUMBER, "between"): NumberBetween,
    **{(kind, "exists"): Exists for kind in Kind},
}
ANY_CONDITION = (CategoryIs, CategoryIn, NumberIs, NumberBetween, Exists, TagContains,
                 ConsentContains)  # fmt: skip


def _condition_tag(value: Any) -> str:
    if isinstance(value, BaseModel):
        return type(value).__name__
    field, op = value.get("field"), value.get("op")
    if field == "tags" and op == "contains":
        return TagContains.__name__
    if field == "consent" and op == "contains":
        return ConsentContains.__name__
    if not isinstance(field, str) or field not in FIELD_KINDS or op not in ops_of(field):
        return "refused"
    return CONDITIONS[(FIELD_KINDS[field], op)].__name__


Condition = Annotated[
    Annotated[CategoryIs, Tag("CategoryIs")]
    | Annotated[CategoryIn, Tag("CategoryIn")]
    | Annotated[NumberIs, Tag("NumberIs")]
    | Annotated[NumberBetween, Tag("NumberBetween")]
    | Annotated[Exists, Tag("Exists")]
    | Annotated[TagContains, Tag("TagContains")]
    | Annotated[ConsentContains, Tag("ConsentContains")]
    | Annotated[_Refused, Tag("refused"), WithJsonSchema({"not": {}})],
    Discriminator(_condition_tag),
]


class AllOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    all: list["Filter"] = Field(min_length=1, max_length=MAX_CONDITIONS)


class AnyOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    any: list["Filter"] = Field(min_length=1, max_length=MAX_CONDITIONS)


class NotOf(BaseModel):
    # By alias when dumped, so that an event carrying a filter says "not", as a client wrote.
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True
    )

    not_: "Filter" = Field(alias="not")


SHAPES: dict[str, Any] = {"all": AllOf, "any": AnyOf, "not": NotOf, "field": ANY_CONDITION}


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


def conditions_of(node: Any, depth: int = 1) -> list[tuple[Any, int]]:
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


SegmentFilter = Annotated[
    Filter,
    AfterValidator(bounded),
    Field(
        description="Conditions `{field, op, value}` combined with `all`, `any` and `not` "
        "(see the segments section of the docs for the fields and their operators)",
        examples=[
            {
                "all": [
                    {"field": "age_band", "op": "in", "value": ["25-34", "35-44"]},
                    {"field": "consent", "op": "contains", "value": "email"},
                    {"not": {"field": "churn_risk", "op": "eq", "value": "high"}},
                ]
            }
        ],
    ),
]
"""A whole filter as a request or an event carries it (bounded in size and depth)."""


def stored(node: Any) -> dict[str, Any]:
    """The filter as saved (and shown): its JSON, every default written out."""
    document: dict[str, Any] = FILTER.dump_python(node, mode="json", by_alias=True)
    return document


def parsed(document: dict[str, Any]) -> Any:
    return FILTER.validate_python(document)

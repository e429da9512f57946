"""The segment builder's form and the segments' filter language (``crm_shared.contracts.
segments``, the language analytics validates): the form's fields mapped onto a filter's JSON,
analytics' 422 mapped back onto the form's fields, and a saved filter put into words.

Only a mapping: the console checks nothing. A number field that is not a number goes to
analytics as written, and analytics' refusal is what the person sees next to the field.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crm_shared.contracts.segments import FIELD_KINDS, Kind

LABELS: dict[str, str] = {
    "age_band": "Age band",
    "spend_band": "Spend band",
    "industry": "Industry",
    "occupation": "Occupation",
    "customer_type": "Customer type",
    "region": "Region",
    "city": "City",
    "lifecycle_stage": "Lifecycle stage",
    "rfm_segment": "RFM segment",
    "abc_class": "ABC class",
    "value_class": "Value class",
    "churn_risk": "Churn risk",
    "monetary_total": "Total spend",
    "orders": "Orders",
    "recency_days": "Days since last purchase",
    "churn_score": "Churn score",
    "clv_predicted": "Predicted lifetime value",
    "probability_alive": "Probability still active",
    "tags": "Tags",
    "consent": "Consent granted",
}
# The builder's sections and the fields each offers, in the order of the form.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Who they are", ("customer_type", "age_band", "lifecycle_stage", "occupation", "industry")),
    ("Where they are", ("region", "city")),
    ("What they buy", ("spend_band", "monetary_total", "orders", "recency_days")),
    ("Scores", ("rfm_segment", "abc_class", "churn_risk")),
    ("Reach", ("consent", "tags")),
)
BUILDER_FIELDS = tuple(name for _, names in SECTIONS for name in names)
MATCHES = ("all", "any")


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def _words(text: str) -> list[str]:
    """A free-text field's values: comma separated."""
    return [word.strip() for word in text.split(",") if word.strip()]


def _number(text: str) -> float | str:
    # Written as given when it is not a number: analytics says what it takes.
    try:
        return float(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class MappedFilter:
    """The filter's JSON and, per condition (by its index in the combination), the form
    field it came from (to put analytics' 422 next to that field)."""

    filter: dict[str, Any] | None
    sources: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.filter is None


class FormValues:
    """A submitted form: every value of a name (checkboxes repeat their name)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name, []).append(value.strip())

    def all(self, name: str) -> list[str]:
        return [value for value in self._values.get(name, []) if value]

    def one(self, name: str) -> str:
        values = self.all(name)
        return values[0] if values else ""

    def raw(self) -> dict[str, list[str]]:
        return self._values


def _conditions_of(name: str, form: FormValues) -> list[dict[str, Any]]:
    kind = FIELD_KINDS[name]
    if kind is Kind.NUMBER:
        low, high = form.one(f"{name}_min"), form.one(f"{name}_max")
        if low and high:
            return [{"field": name, "op": "between", "value": [_number(low), _number(high)]}]
        if low:
            return [{"field": name, "op": "gte", "value": _number(low)}]
        if high:
            return [{"field": name, "op": "lte", "value": _number(high)}]
        return []
    values = [word for value in form.all(name) for word in _words(value)]
    if not values:
        return []
    if kind is Kind.SET:  # a customer has every tag / consent chosen
        return [{"field": name, "op": "contains", "value": value} for value in values]
    return [{"field": name, "op": "in", "value": values}]


def filter_of(form: FormValues) -> MappedFilter:
    """The builder's form as a filter: each field's condition, combined by ``match``
    (``all``, the default, or ``any``); ``None`` when nothing is chosen."""
    conditions: list[dict[str, Any]] = []
    sources: list[str] = []
    for name in BUILDER_FIELDS:
        found = _conditions_of(name, form)
        conditions += found
        sources += [name] * len(found)
    if not conditions:
        return MappedFilter(None)
    match = form.one("match") if form.one("match") in MATCHES else "all"
    return MappedFilter({match: conditions}, sources)


def field_errors(errors: Sequence[Mapping[str, Any]], mapped: MappedFilter) -> dict[str, str]:
    """Analytics' per-field 422 (``location`` like ``body.filter.all.all.1.field...``) by
    the form field it concerns (``name``, ``description``, a filter field, else ``filter``)."""
    found: dict[str, str] = {}
    for error in errors:
        parts = str(error.get("location", "")).split(".")
        message = str(error.get("message", "not valid"))
        target = "filter"
        if parts[:2] in (["body", "name"], ["body", "description"]):
            target = parts[1]
        elif "filter" in parts:
            index = next((int(part) for part in parts if part.isdigit()), None)
            if index is not None and index < len(mapped.sources):
                target = mapped.sources[index]
        found.setdefault(target, message)
    return found


def _value_words(value: Any, joiner: str = "or") -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if not isinstance(value, list):
        return str(value)
    items = [str(item) for item in value]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {joiner} {items[-1]}"


def _condition_words(condition: Mapping[str, Any]) -> str:
    name, op = condition.get("field", ""), condition.get("op")
    value: Any = condition.get("value")
    subject = label(str(name))
    match op:
        case "eq":
            return f"{subject} is {value}"
        case "ne":
            return f"{subject} is not {value}"
        case "in":
            return f"{subject} is {_value_words(value)}"
        case "not_in":
            return f"{subject} is neither {_value_words(value, 'nor')}"
        case "gte":
            return f"{subject} at least {value}"
        case "lte":
            return f"{subject} at most {value}"
        case "between":
            low, high = value
            return f"{subject} between {low} and {high}"
        case "contains" if name == "consent":
            return f"Consent granted for {value}"
        case "contains":
            return f"{subject} include {value}"
        case "exists":
            return f"{subject} {'is known' if value in (True, None) else 'is unknown'}"
    return f"{subject} {op} {_value_words(value)}"


def in_words(node: Mapping[str, Any], nested: bool = False) -> str:
    """A saved filter read aloud: "Age band is one of 25-34 and Consent granted include
    email"; nested combinations in brackets."""
    if "all" in node or "any" in node:
        joiner, parts = (" and ", node["all"]) if "all" in node else (" or ", node["any"])
        text = joiner.join(in_words(part, nested=True) for part in parts)
        return f"({text})" if nested else text
    if "not" in node:
        return f"not {in_words(node['not'], nested=True)}"
    return _condition_words(node)


def in_parts(node: Mapping[str, Any]) -> tuple[str, list[str]]:
    """A saved filter as a heading and its parts in words: ("every one of", [...]) for an
    ``all``, ("any one of", [...]) for an ``any``, else ("", [the whole])."""
    if "all" in node:
        return "every one of", [in_words(part, nested=True) for part in node["all"]]
    if "any" in node:
        return "any one of", [in_words(part, nested=True) for part in node["any"]]
    return "", [in_words(node)]


def checked(form: FormValues | None, name: str) -> set[str]:
    return set(form.all(name)) if form is not None else set()

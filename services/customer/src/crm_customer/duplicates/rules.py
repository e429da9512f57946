"""The merge rule, as a pure function over field values.

When a duplicate is merged into a survivor:
- a field the survivor has a value for keeps it; a field it lacks (null, empty text, empty
  list) takes the duplicate's value;
- tag-like lists (tags, lifestyle, personality, social class, benefits sought) are united;
- consent histories are united and the current state per channel is, as always, the most
  recent decision (see ``consent.rules``) — so a newer opt-out on either record wins;
- kind, name, lifecycle stage and status are the survivor's own (they always have values).
"""

from collections.abc import Iterable, Mapping
from typing import Any

# Fields a merge may fill from the duplicate (identity, profile and grouping fields).
MERGED_FIELDS = (
    "company", "email", "phone", "external_id", "owner", "source", "relationship_phase",
    "street", "postal_code", "country",
    "region", "city", "city_size", "area_type", "climate_zone", "time_zone",
    "birth_date", "gender", "income_band", "occupation", "industry", "education",
    "marital_status", "household_size",
    "lifestyle", "personality", "social_class",
    "usage_rate", "benefits_sought", "brand_loyalty", "user_status", "occasion",
    "employees", "annual_revenue", "market_share", "ownership",
    "tags",
)  # fmt: skip
UNITED_FIELDS = frozenset({"tags", "lifestyle", "personality", "social_class", "benefits_sought"})


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | set) and len(value) == 0)


def merge_values(
    survivor: Mapping[str, Any],
    duplicate: Mapping[str, Any],
    fields: Iterable[str] = MERGED_FIELDS,
    united: frozenset[str] = UNITED_FIELDS,
) -> dict[str, Any]:
    """The values the survivor must take: ``{field: new value}`` for changed fields only."""
    changes: dict[str, Any] = {}
    for field in fields:
        mine, theirs = survivor.get(field), duplicate.get(field)
        if field in united:
            union = sorted(set(mine or []) | set(theirs or []))
            if union != sorted(mine or []):
                changes[field] = union
        elif is_empty(mine) and not is_empty(theirs):
            changes[field] = theirs
    return changes

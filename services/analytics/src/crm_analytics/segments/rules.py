"""Pure rules of segments: what a band name means, who is in which age band today, and the
difference between who matches a segment and who is stored as its member."""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

DEFAULT_AGE_BANDS = ("<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
DEFAULT_SPEND_BANDS = ("<100", "100-250", "250-500", ">500")
# Who "created" a segment made for a campaign's inline audience (marketing asked for it).
CAMPAIGN_SEGMENT_AUTHOR = "marketing"
CAMPAIGN_SEGMENT_PREFIX = "Campaign: "
SEGMENT_NAME_LENGTH = 100

_BELOW = re.compile(r"<(\d+(?:\.\d+)?)")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)")
_ABOVE = re.compile(r"(?:>(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\+)")


@dataclass(frozen=True)
class Band:
    """``low <= x < high`` (None: unbounded on that side)."""

    name: str
    low: Decimal | None
    high: Decimal | None


def parse_band(name: str, *, whole_years: bool) -> Band:
    """``"<18"``, ``"18-24"``, ``"65+"`` / ``">500"``. Ages are whole years, so an age
    range includes its upper bound (``18-24`` is 18 to 24); an amount range does not
    (``100-250`` is 100 up to 250, and 250 falls in ``250-500``), nor does ``>500`` exclude
    500: a bound always belongs to the band above it."""
    text = name.strip()
    if match := _BELOW.fullmatch(text):
        return Band(name, None, Decimal(match.group(1)))
    if match := _RANGE.fullmatch(text):
        low, high = Decimal(match.group(1)), Decimal(match.group(2))
        high = high + 1 if whole_years else high
        if low >= high:
            raise ValueError(f"band {name!r}: the low bound is above the high one")
        return Band(name, low, high)
    if match := _ABOVE.fullmatch(text):
        return Band(name, Decimal(match.group(1) or match.group(2)), None)
    raise ValueError(f"band {name!r} is not one of the forms <N, N-M, N+ or >N")


def parse_bands(names: Collection[str], *, whole_years: bool) -> dict[str, Band]:
    bands = {name: parse_band(name, whole_years=whole_years) for name in names}
    if len(bands) != len(names):
        raise ValueError("band names repeat")
    return bands


def years_before(today: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def birth_dates_of(band: Band, today: date) -> tuple[date | None, date | None]:
    """The birth dates of the ages in ``band`` today: ``(after, on_or_before)`` (None:
    unbounded). Age >= low means born on or before ``today - low years``; age < high means
    born after ``today - high years``."""
    on_or_before = years_before(today, int(band.low)) if band.low is not None else None
    after = years_before(today, int(band.high)) if band.high is not None else None
    return after, on_or_before


@dataclass(frozen=True)
class MembershipChanges:
    """What refreshing a segment over some customers changes: who joins (with the
    membership's next version) and who leaves (likewise)."""

    joins: dict[str, int]
    leaves: dict[str, int]
    new: frozenset[str]  # joins without a row yet (inserted, the rest updated)


def membership_changes(
    matching: Collection[str], stored: Mapping[str, tuple[int, bool]]
) -> MembershipChanges:
    """``matching``: the customers the filter selects now; ``stored``: the membership rows
    of the customers looked at, ``{customer_id: (version, is_member)}``."""
    joins: dict[str, int] = {}
    new = set()
    for customer_id in matching:
        version, member = stored.get(customer_id, (0, False))
        if not member:
            joins[customer_id] = version + 1
            if version == 0:
                new.add(customer_id)
    leaves = {
        customer_id: version + 1
        for customer_id, (version, member) in stored.items()
        if member and customer_id not in matching
    }
    return MembershipChanges(joins, leaves, frozenset(new))


def campaign_segment_name(campaign_name: str) -> str:
    """``Campaign: <name>``, cut to a segment name's length (a campaign's may be longer)."""
    name = CAMPAIGN_SEGMENT_PREFIX + campaign_name.strip()
    if len(name) <= SEGMENT_NAME_LENGTH:
        return name
    return name[: SEGMENT_NAME_LENGTH - 3].rstrip() + "..."

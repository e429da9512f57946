"""The sales pages' view models: the sales service's answers shaped for the templates.

Display-only shaping (labels, grouping into columns, percentages for people): every figure
shown (counts, totals, weighted totals, forecast categories) is the sales service's own.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The pipeline's stages, in order, as the sales service names them (OpportunityStage).
STAGE_LABELS: dict[str, str] = {
    "contact": "Contact",
    "needs_analysis": "Needs analysis",
    "proposal": "Proposal",
    "quote": "Quote",
    "negotiation": "Negotiation",
    "won": "Won",
    "lost": "Lost",
}
CLOSED_STAGES = ("won", "lost")
# Suggestions for the lost dialog; the service takes any text up to 2000 characters.
LOSS_REASONS = (
    "Price too high",
    "Lost to a competitor",
    "No budget",
    "No decision made",
    "Timing: not now",
    "Requirements not met",
)
LOSS_REASON_MAX = 2000


def stage_label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage.replace("_", " ").capitalize())


def owner_label(owner: str | None, me: str) -> str:
    if owner is None:
        return "Unowned"
    if owner == me:
        return "You"
    return owner if len(owner) <= 14 else f"{owner[:8]}..."


def percent(probability: float | None) -> str:
    return "" if probability is None else f"{round(probability * 100)} %"


@dataclass(frozen=True)
class Card:
    id: str
    name: str
    customer: str
    amount: str
    currency: str
    probability: str
    expected_close: date | None
    owner: str
    stage: str
    version: int
    targets: list[tuple[str, str]]  # (stage, label) it may be moved to: every other stage
    next_stage: str | None  # preselected in "Move to": the next in the pipeline


@dataclass(frozen=True)
class Column:
    stage: str
    label: str
    count: int
    amount: str
    weighted_amount: str
    cards: list[Card]
    more: bool  # more cards than one page shows

    @property
    def dom_id(self) -> str:
        return f"column-{self.stage}"


@dataclass(frozen=True)
class Board:
    currency: str
    count: int
    total_amount: str
    weighted_total: str
    columns: list[Column]
    closing: list[tuple[str, str]] = field(
        default_factory=lambda: [(s, stage_label(s)) for s in CLOSED_STAGES]
    )


def customer_ids(pages: Iterable[Mapping[str, Any]]) -> list[str]:
    """The distinct customers named on the board's cards (their names are looked up)."""
    seen: dict[str, None] = {}
    for page in pages:
        for item in page.get("items", []):
            if item.get("customer_id"):
                seen[item["customer_id"]] = None
    return list(seen)


def customer_label(customer_id: str | None, names: Mapping[str, str]) -> str:
    if customer_id is None:
        return "No customer yet"
    return names.get(customer_id) or f"Customer {customer_id[:8]}"


def card_of(item: Mapping[str, Any], names: Mapping[str, str], me: str) -> Card:
    stage = item["stage"]
    close = item.get("expected_close_date")
    return Card(
        id=item["id"],
        name=item.get("name") or "(no name)",
        customer=customer_label(item.get("customer_id"), names),
        amount=str(item["amount"]),
        currency=item["currency"],
        probability=percent(item.get("probability")),
        expected_close=date.fromisoformat(close) if close else None,
        owner=owner_label(item.get("owner"), me),
        stage=stage,
        version=int(item["version"]),
        targets=[(s, label) for s, label in STAGE_LABELS.items() if s != stage],
        next_stage=_next_stage(stage),
    )


def _next_stage(stage: str) -> str | None:
    order = list(STAGE_LABELS)
    if stage not in order or stage in CLOSED_STAGES:
        return None
    return order[order.index(stage) + 1]


def board_of(
    pipeline: Mapping[str, Any],
    pages: Mapping[str, Mapping[str, Any]],
    names: Mapping[str, str],
    me: str,
) -> Board:
    """``pipeline``: ``GET /v1/pipeline``; ``pages``: one ``GET /v1/opportunities`` page per
    open stage; ``names``: customer id to name."""
    columns = []
    for row in pipeline["stages"]:
        page = pages.get(row["stage"], {})
        columns.append(
            Column(
                stage=row["stage"],
                label=stage_label(row["stage"]),
                count=int(row["count"]),
                amount=str(row["amount"]),
                weighted_amount=str(row["weighted_amount"]),
                cards=[card_of(item, names, me) for item in page.get("items", [])],
                more=bool(page.get("next_cursor")),
            )
        )
    return Board(
        currency=pipeline["currency"],
        count=int(pipeline["count"]),
        total_amount=str(pipeline["total_amount"]),
        weighted_total=str(pipeline["weighted_total"]),
        columns=columns,
    )


@dataclass(frozen=True)
class ActivityRow:
    id: str
    kind: str
    subject: str
    due_at: str | None
    overdue: bool
    linked: str
    version: int


KIND_LABELS = {"visit": "Visit", "call": "Call", "email": "E-mail", "meeting": "Meeting"}


def _linked(item: Mapping[str, Any], names: Mapping[str, str]) -> str:
    if item.get("customer_id"):
        return customer_label(item["customer_id"], names)
    for key, label in (("opportunity_id", "Opportunity"), ("lead_id", "Lead")):
        if item.get(key):
            return f"{label} {item[key][:8]}"
    return ""


def activity_row(
    item: Mapping[str, Any], *, overdue: bool, names: Mapping[str, str] | None = None
) -> ActivityRow:
    return ActivityRow(
        id=item["id"],
        kind=KIND_LABELS.get(item["kind"], str(item["kind"]).capitalize()),
        subject=item.get("subject") or "(no subject)",
        due_at=item.get("due_at"),
        overdue=overdue,
        linked=_linked(item, names or {}),
        version=int(item["version"]),
    )


def activities_of(
    overdue: Mapping[str, Any],
    today: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
) -> tuple[list[ActivityRow], list[ActivityRow]]:
    """The service's overdue page and today's page; one overdue earlier today is listed once,
    as overdue (the service says which are overdue)."""
    late = [activity_row(item, overdue=True, names=names) for item in overdue.get("items", [])]
    late_ids = {row.id for row in late}
    due_today = [
        activity_row(item, overdue=False, names=names)
        for item in today.get("items", [])
        if item["id"] not in late_ids
    ]
    return late, due_today


@dataclass(frozen=True)
class ForecastLine:
    who: str
    weighted: str
    best_case: str
    committed: str
    closed_won: str
    open_count: int
    committed_count: int
    won_count: int


def forecast_line(row: Mapping[str, Any], me: str, *, whole: bool = False) -> ForecastLine:
    return ForecastLine(
        who="All owners" if whole else owner_label(row.get("key"), me),
        weighted=str(row["weighted"]),
        best_case=str(row["best_case"]),
        committed=str(row["committed"]),
        closed_won=str(row["closed_won"]),
        open_count=int(row["open_count"]),
        committed_count=int(row["committed_count"]),
        won_count=int(row["won_count"]),
    )


FORECAST_SERIES = (
    ("weighted", "Weighted"),
    ("committed", "Committed"),
    ("best_case", "Best case"),
    ("closed_won", "Closed won"),
)
SERIES_COLOURS = ("#1f5fbf", "#1e6b34", "#7b8794", "#a35a00")


def forecast_chart(lines: list[ForecastLine], currency: str) -> dict[str, Any]:
    """An ECharts bar chart option: one group of bars per owner, one bar per category."""
    return {
        "color": list(SERIES_COLOURS),
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "bottom": 8, "top": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": [line.who for line in lines]},
        "yAxis": {"type": "value", "name": currency},
        "series": [
            {
                "name": label,
                "type": "bar",
                "data": [float(getattr(line, key)) for line in lines],
            }
            for key, label in FORECAST_SERIES
        ],
    }


def forecast_rows(lines: list[ForecastLine]) -> list[list[str]]:
    return [[line.who, *(getattr(line, key) for key, _ in FORECAST_SERIES)] for line in lines]


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def periods_around(day: date) -> list[tuple[str, str]]:
    """Choices for the forecast's period: this and the next three quarters, and this month
    and the next two (value, label)."""
    choices: list[tuple[str, str]] = []
    year, quarter = day.year, (day.month - 1) // 3 + 1
    for _ in range(4):
        choices.append((f"{year}-Q{quarter}", f"Q{quarter} {year}"))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    year, month = day.year, day.month
    for _ in range(3):
        first = date(year, month, 1)
        choices.append((f"{year}-{month:02d}", first.strftime("%B %Y")))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return choices

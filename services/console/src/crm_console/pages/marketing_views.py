"""Marketing's answers shaped for the pages: a campaign's funnel (its chart option and
table), its key figures, its A/B variants side by side. Every figure and rate is the
marketing service's; here they are only ordered, labelled and formatted."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STATUS_BADGES = {
    "draft": "",
    "scheduled": "run",
    "running": "run",
    "paused": "warn",
    "stopped": "bad",
    "completed": "ok",
}
CHANNEL_LABELS = {"email": "E-mail", "sms": "SMS", "phone": "Phone", "mail": "Direct mail"}
# The funnel's stages: (label, the results' figure). A letter has no delivery receipt: its
# second stage is the service's "posted".
FUNNEL = (
    ("Sent", "sent"),
    ("Delivered", "delivered"),
    ("Opened", "opened"),
    ("Clicked", "clicked"),
    ("Responded", "responded"),
    ("Ordered", "orders"),
)
VARIANT_FIGURES = (
    ("Sent", "sent"),
    ("Delivered", "delivered"),
    ("Opened", "opened"),
    ("Clicked", "clicked"),
    ("Responded", "responded"),
)
FUNNEL_COLOURS = ["#14233a", "#1b4f9c", "#1f5fbf", "#3f7fd4", "#6d9fe0", "#1e6b34"]


def percent(rate: float | None) -> str:
    """A rate the service computed, as a percentage ("" when it has none)."""
    return "" if rate is None else f"{rate * 100:.1f} %"


def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "")


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)


def funnel_stages(results: Mapping[str, Any], channel: str) -> list[tuple[str, int]]:
    stages = []
    for name, key in FUNNEL:
        if key == "delivered" and channel == "mail":
            name, key = "Posted", "posted"
        stages.append((name, int(results.get(key, 0))))
    return stages


def funnel_option(stages: list[tuple[str, int]]) -> dict[str, Any]:
    """An ECharts funnel in the stages' order (not re-sorted: a later stage may exceed an
    earlier one, e.g. orders from several messages)."""
    top = max((value for _, value in stages), default=0) or 1
    return {
        "animation": False,
        "color": FUNNEL_COLOURS,
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}"},
        "series": [
            {
                "name": "Funnel",
                "type": "funnel",
                "sort": "none",
                "min": 0,
                "max": top,
                "minSize": "4%",
                "left": "2%",
                "top": 10,
                "bottom": 10,
                "width": "64%",
                "gap": 3,
                # Outside, on the right: a late stage's shape is too narrow for its label.
                "label": {
                    "show": True,
                    "position": "right",
                    "formatter": "{b}: {c}",
                    "color": "#1b1f24",
                    "fontSize": 13,
                },
                "labelLine": {"show": True, "length": 12},
                "itemStyle": {"borderColor": "#fff", "borderWidth": 1},
                "data": [{"name": name, "value": value} for name, value in stages],
            }
        ],
    }


@dataclass(frozen=True)
class Variant:
    name: str
    figures: dict[str, int]
    rate: float
    winner: bool


@dataclass(frozen=True)
class VariantTable:
    variants: list[Variant]
    metric: str | None
    winner: str | None

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        return [(name, [v.figures[key] for v in self.variants]) for name, key in VARIANT_FIGURES]


def variant_table(
    campaign: Mapping[str, Any], results: Mapping[str, Any] | None
) -> VariantTable | None:
    """The A/B variants as columns (A, B, ...), or None without a test."""
    answered = (results or {}).get("variants") or {}
    if not answered and not campaign.get("ab_test"):
        return None
    winner = (results or {}).get("winner") or campaign.get("ab_winner")
    variants = [
        Variant(
            name=name,
            figures={key: int(figures.get(key, 0)) for _, key in VARIANT_FIGURES},
            rate=float(figures.get("rate", 0.0)),
            winner=name == winner,
        )
        for name, figures in sorted(answered.items())
    ]
    metric = (campaign.get("ab_test") or {}).get("metric")
    return VariantTable(variants, metric, winner)


@dataclass(frozen=True)
class CampaignRow:
    """A campaign of the list with its key figures (None: its results could not be read)."""

    campaign: dict[str, Any]
    results: dict[str, Any] | None

"""The churn report's arithmetic (pure).

- **Active** at an instant: bought (an order not cancelled) within the
  ``churn_active_window_days`` (365) days before it. **At start**: active at the period's
  first instant; **lost**: of those, not active at its end (no purchase in the window before
  the end); **new**: first purchase ever within the period.
- **Churn rate** = lost / at start * 100 % (None when nobody was active at the start);
  **retention rate** = 100 % - churn rate.
- **Reasons**: the reason text recorded with each lifecycle change to ``lost`` and each lost
  opportunity's loss reason in the period, counted per reason after trimming and lowercasing
  (none recorded: ``not recorded``). A reason equal to one of the reference reasons
  (``churn_reason_shares``, DOMAIN.md: indifference 68 %, complaint badly handled 10 %, …)
  shows its reference share beside its own share of the recorded reasons.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

NOT_RECORDED = "not recorded"
PLACES = 2


def rate_percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, PLACES) if whole else None


def reason_key(text: str | None) -> str:
    cleaned = " ".join((text or "").split()).lower()
    return cleaned or NOT_RECORDED


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    lifecycle: int  # customers moved to lost with this reason
    opportunities: int  # opportunities lost with this reason
    total: int
    share_percent: float | None  # of every reason recorded in the period
    reference_percent: float | None  # DOMAIN.md's share, when the reason is a reference one


def reason_counts(
    lifecycle: Iterable[tuple[str | None, int]],
    opportunities: Iterable[tuple[str | None, int]],
    reference: Mapping[str, float],
) -> list[ReasonCount]:
    """Per reason, most frequent first (ties by name); the reference reasons nobody gave are
    listed too, with zero counts, so the comparison is whole."""
    from_lifecycle: Counter[str] = Counter()
    from_opportunities: Counter[str] = Counter()
    for text, count in lifecycle:
        from_lifecycle[reason_key(text)] += count
    for text, count in opportunities:
        from_opportunities[reason_key(text)] += count
    shares = {reason_key(name): share for name, share in reference.items()}
    reasons = set(from_lifecycle) | set(from_opportunities) | set(shares)
    everything = sum(from_lifecycle.values()) + sum(from_opportunities.values())
    counted = [
        ReasonCount(
            reason=reason,
            lifecycle=from_lifecycle[reason],
            opportunities=from_opportunities[reason],
            total=from_lifecycle[reason] + from_opportunities[reason],
            share_percent=rate_percent(
                from_lifecycle[reason] + from_opportunities[reason], everything
            ),
            reference_percent=shares.get(reason),
        )
        for reason in reasons
    ]
    return sorted(
        counted, key=lambda found: (-found.total, -(found.reference_percent or 0), found.reason)
    )

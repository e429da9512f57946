"""The current consent of a customer, derived from the history of decisions."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from crm_shared.contracts.customer import ConsentChannel


@dataclass(frozen=True)
class Decision:
    channel: ConsentChannel
    granted: bool
    decided_at: datetime
    order: int = 0  # tie-breaker: the decision recorded later wins


def current_decisions(decisions: Iterable[Decision]) -> dict[ConsentChannel, Decision]:
    """The most recent decision per channel (by decision time, then recording order).

    A channel without any decision is absent: the customer has neither granted nor
    withdrawn, which marketing must treat as "no consent".
    """
    latest: dict[ConsentChannel, Decision] = {}
    for decision in decisions:
        held = latest.get(decision.channel)
        if held is None or (decision.decided_at, decision.order) >= (held.decided_at, held.order):
            latest[decision.channel] = decision
    return latest


def current_consent(decisions: Iterable[Decision]) -> dict[ConsentChannel, bool]:
    return {channel: d.granted for channel, d in current_decisions(decisions).items()}

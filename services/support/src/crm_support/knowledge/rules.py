"""Pure rules of the knowledge base: which causes an answer may name, and the order in
which a ticket's standard answers are suggested."""

from dataclasses import dataclass

from crm_shared.contracts.support import Category

from crm_support.tickets.rules import causes_of


def cause_refused(category: Category, cause: str | None) -> str | None:
    """Why ``cause`` cannot go with ``category`` (the tickets' cause tree), or None."""
    if cause is None or cause in causes_of(category):
        return None
    allowed = ", ".join(causes_of(category))
    return f"cause {cause!r} is not one of the category {category}: {allowed}"


@dataclass(frozen=True)
class Usage:
    """How often an answer was used and how the agents rated it."""

    uses: int = 0
    ratings: int = 0
    rating_total: int = 0
    helpful: int = 0
    not_helpful: int = 0

    @property
    def mean_rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


def suggestion_key(
    answer_cause: str | None, ticket_cause: str | None, usage: Usage, title: str, answer_id: str
) -> tuple[bool, float, int, str, str]:
    """Sort key: the answers of the ticket's own cause first, then the best rated (an
    unrated answer last), then the most used; title and id keep the order stable."""
    other_cause = ticket_cause is not None and answer_cause != ticket_cause
    mean = usage.mean_rating
    return (other_cause, -(mean if mean is not None else 0.0), -usage.uses, title, answer_id)

"""The pure rules of a quote's life: which status it shows on a day, and what may happen
to it.

Statuses: ``draft`` and ``sent`` are open; ``expired`` is an open quote whose
``valid_until`` has passed (computed on the day, and stored once the expiry timer fired);
``accepted``, ``rejected`` and ``superseded`` (a later revision replaced it) are final. An
expired quote can still be revised (the revision renews it).
"""

from datetime import date, timedelta
from enum import StrEnum


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


OPEN_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SENT)


def current_status(stored: str, valid_until: date | None, today: date) -> QuoteStatus:
    status = QuoteStatus(stored)
    if status in OPEN_STATUSES and valid_until is not None and today > valid_until:
        return QuoteStatus.EXPIRED
    return status


def why_not_decidable(stored: str, valid_until: date | None, today: date) -> str | None:
    """Why the quote can be neither accepted nor rejected on ``today`` (None: it can): it
    expired, a revision superseded it, or it was decided already."""
    status = current_status(stored, valid_until, today)
    if status is QuoteStatus.EXPIRED:
        return f"the quote expired on {valid_until} (revise it with a new validity date)"
    if status is QuoteStatus.SUPERSEDED:
        return "a later revision superseded this quote: decide on the latest one"
    if status in (QuoteStatus.ACCEPTED, QuoteStatus.REJECTED):
        return f"the quote was already {status}"
    return None


def why_not_revisable(stored: str) -> str | None:
    """An open quote, or an expired one (revising renews it), can be revised; a decided or
    superseded one cannot."""
    status = QuoteStatus(stored)
    if status is QuoteStatus.SUPERSEDED:
        return "a later revision superseded this quote: revise the latest one"
    if status in (QuoteStatus.ACCEPTED, QuoteStatus.REJECTED):
        return f"the quote was already {status}"
    return None


def default_valid_until(today: date, validity_days: int) -> date | None:
    return today + timedelta(days=validity_days) if validity_days > 0 else None


def quote_number(sequence: int) -> str:
    return f"Q-{sequence:06d}"

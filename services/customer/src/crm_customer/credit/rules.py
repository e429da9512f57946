"""The credit grade (A-E) from receivables facts, as pure functions.

The domain table (collected share within 24 months, longest payment cycle)::

    A  90-100 %  ≤ 45 days      B  75-90 %  ≤ 75 days      C  60-75 %  ≤ 105 days
    D  30-60 %   ≤ 255 days     E  0-30 %   > 270 days

has gaps and overlaps (90 % is in A and B; 256-270 days is in no row; 95 % collected with a
60-day cycle matches no single row). The rule applied, precisely:

    the grade is the BEST grade whose BOTH conditions hold:
        collected share >= its minimum   AND   longest payment cycle <= its maximum;
    when no grade A-D holds, the grade is E.

So the lower bounds are inclusive (exactly 90 % is A, exactly 30 % is D), the upper bounds of
the share ranges play no part, a good share cannot buy back a long cycle (95 %, 60 days is
B), and the 256-270 day gap falls to E. The thresholds are settings.

The facts, for the window of the last ``window_months`` months before ``as_of``:
- counted invoices: those that fell due within the window (due date in
  [as_of - window, as_of]); invoices not yet due are neither owed nor late, so ignored;
- collected share = Σ paid (capped at the invoice amount) / Σ invoice amount;
- payment cycle of an invoice = days from issue to full payment, or, while it is not paid
  in full, days from issue to ``as_of`` (still running, so the cycle only grows);
- longest payment cycle = the maximum over the counted invoices.
With no counted invoice there is nothing to rate: the grade is ``None`` (unrated).
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from crm_shared.contracts.customer import CreditGrade

from crm_customer.settings import CreditThreshold


@dataclass(frozen=True)
class ReceivableFact:
    amount: Decimal
    paid_amount: Decimal
    issued_on: date
    due_on: date
    paid_on: date | None = None

    def payment_cycle_days(self, as_of: date) -> int:
        settled = self.paid_on is not None and self.paid_amount >= self.amount
        end = self.paid_on if settled and self.paid_on is not None else as_of
        return max(0, (end - self.issued_on).days)


@dataclass(frozen=True)
class CreditFacts:
    collected_share: float | None
    longest_payment_cycle_days: int | None
    receivables_counted: int


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the 31st becomes the month's last day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def credit_facts(
    receivables: Iterable[ReceivableFact], as_of: date, window_months: int
) -> CreditFacts:
    start = months_before(as_of, window_months)
    counted = [r for r in receivables if start <= r.due_on <= as_of]
    owed = sum((r.amount for r in counted), Decimal(0))
    if not counted or owed <= 0:
        return CreditFacts(None, None, 0)
    collected = sum((min(r.paid_amount, r.amount) for r in counted), Decimal(0))
    share = float(round(collected / owed, 6))
    longest = max(r.payment_cycle_days(as_of) for r in counted)
    return CreditFacts(share, longest, len(counted))


def grade_for(
    collected_share: float, longest_cycle_days: int, thresholds: Sequence[CreditThreshold]
) -> CreditGrade:
    for row in thresholds:  # best grade first
        if (
            collected_share >= row.min_collected_share
            and longest_cycle_days <= row.max_payment_cycle_days
        ):
            return row.grade
    return CreditGrade.E


def rate(facts: CreditFacts, thresholds: Sequence[CreditThreshold]) -> CreditGrade | None:
    if facts.collected_share is None or facts.longest_payment_cycle_days is None:
        return None
    return grade_for(facts.collected_share, facts.longest_payment_cycle_days, thresholds)

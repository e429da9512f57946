"""What the analytics reports share: the period a query names (``crm_shared.periods``: an ISO
week ``2026-W05``, a month ``2026-03`` or a quarter ``2026-Q1``, midnight to midnight UTC),
the periods before it (for a series), the answer's form (JSON or CSV, long format: one value
per row) and its period as the JSON gives it."""

from datetime import datetime, timedelta

from crm_shared.errors import InvalidError
from crm_shared.periods import Period, PeriodForm, forms_text, parse_period
from pydantic import BaseModel, Field

REPORT_PERIODS = (PeriodForm.WEEK, PeriodForm.MONTH, PeriodForm.QUARTER)
PERIOD_FORMS = forms_text(REPORT_PERIODS)
# The CSV's columns: one value per row.
CSV_COLUMNS = ("section", "dimension", "key", "metric", "value")


class PeriodOut(BaseModel):
    label: str = Field(description="The period: 2026-W05, 2026-03 or 2026-Q1")
    start: datetime = Field(description="Its first instant (UTC), included")
    end: datetime = Field(description="The first instant after it (UTC), excluded")

    @classmethod
    def of(cls, period: Period) -> "PeriodOut":
        return cls(label=period.label, start=period.start, end=period.end)


def period_of(text: str) -> Period:
    """The period ``text`` names; a 422 problem on ``query.period`` if none."""
    try:
        return parse_period(text, REPORT_PERIODS)
    except ValueError as error:
        raise InvalidError(str(error), location="query.period", code="invalid-period") from error


def periods_until(last: Period, count: int) -> list[Period]:
    """``count`` consecutive periods of ``last``'s form, oldest first, ending with it (fewer
    at the start of the calendar, year 1)."""
    periods = [last]
    while len(periods) < count:
        try:
            periods.insert(0, _before(periods[0]))
        except (ValueError, OverflowError):
            break
    return periods


def _before(period: Period) -> Period:
    day = period.first - timedelta(days=1)
    if "W" in period.label:
        year, week, _ = day.isocalendar()
        label = f"{year}-W{week:02d}"
    elif "Q" in period.label:
        label = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    else:
        label = f"{day.year}-{day.month:02d}"
    return parse_period(label, REPORT_PERIODS)


def cell(value: object) -> str:
    """A CSV cell: empty for a value that cannot be measured."""
    return "" if value is None else str(value)

"""A builder of ``customer_scores`` rows and score runs for the report tests (the scoring
run that writes them is tested on its own; the reports only read them)."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crm_analytics.scores.models import CustomerScore, ScoreRun
from fastapi import FastAPI
from sqlalchemy import delete, func, select

SCORED_AT = datetime(2026, 12, 1, tzinfo=UTC)


def score(customer_id: str, **fields: Any) -> dict[str, Any]:
    """A customer's scores: one order, nothing scored, low churn risk, unless ``fields``
    say otherwise (money as strings)."""
    row: dict[str, Any] = {
        "customer_id": customer_id,
        "sequence": 1,
        "computed_at": SCORED_AT,
        "orders": 1,
        "recency_days": 10,
        "monetary_total": "0",
        "monetary_average": None,
        "r": None,
        "f": None,
        "m": None,
        "rfm_segment": None,
        "window_value": "0",
        "abc_class": None,
        "value_class": None,
        "clv_frequency": 0.0,
        "clv_recency": 0.0,
        "clv_t": 10.0,
        "clv_monetary_value": 0.0,
        "churn_score": 0.1,
        "churn_level": "low",
        "churn_reasons": [],
    }
    row.update(fields)
    for money in ("monetary_total", "window_value"):
        row[money] = Decimal(row[money])
    return row


async def store_scores(
    app: FastAPI, rows: list[dict[str, Any]], edges: dict[str, Any] | None = None
) -> None:
    """The rows, in place of whatever the live scoring of the test's events wrote for these
    customers, and (with ``edges``) the full run that wrote them, the newest."""
    async with app.state.runtime.unit_of_work() as uow:
        named = [row["customer_id"] for row in rows]
        await uow.session.execute(delete(CustomerScore).where(CustomerScore.customer_id.in_(named)))
        uow.session.add_all(CustomerScore(**row) for row in rows)
        if edges is not None:
            newest = await uow.session.scalar(select(func.max(ScoreRun.sequence)))
            uow.session.add(
                ScoreRun(
                    sequence=(newest or 0) + 1,
                    kind="full",
                    started_at=SCORED_AT,
                    finished_at=SCORED_AT,
                    as_of=SCORED_AT,
                    customers=len(rows),
                    edges=edges,
                )
            )
        await uow.commit()

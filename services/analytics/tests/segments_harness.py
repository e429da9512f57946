"""Helpers of the segment tests: score rows written straight into ``customer_scores`` (the
scoring run that fills it is another change's), and the membership events in the outbox."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crm_analytics.scores.models import CustomerScore
from crm_shared.testing import outbox_events
from fastapi import FastAPI
from sqlalchemy import delete, insert

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def score_row(customer_id: str, **values: Any) -> dict[str, Any]:
    """A complete ``customer_scores`` row: a customer with no orders, low churn risk;
    ``values`` override any column."""
    row: dict[str, Any] = {
        "customer_id": customer_id,
        "sequence": 1,
        "computed_at": NOW,
        "orders": 0,
        "monetary_total": Decimal("0.00"),
        "window_value": Decimal("0.00"),
        "clv_frequency": 0.0,
        "clv_recency": 0.0,
        "clv_t": 0.0,
        "clv_monetary_value": 0.0,
        "churn_score": 0.1,
        "churn_level": "low",
        "churn_reasons": [],
    }
    return {**row, **values}


async def write_scores(app: FastAPI, *rows: dict[str, Any]) -> None:
    """Replace the score rows of these customers."""
    async with app.state.runtime.session_factory() as session:
        ids = [row["customer_id"] for row in rows]
        await session.execute(delete(CustomerScore).where(CustomerScore.customer_id.in_(ids)))
        await session.execute(insert(CustomerScore), list(rows))
        await session.commit()


async def membership_events(app: FastAPI) -> list[tuple[str, str, str, int]]:
    """Every membership change published: (segment name, customer, change, sequence)."""
    return [
        (e.payload.segment_name, e.payload.customer_id, e.payload.change.value, e.payload.sequence)
        for e in await outbox_events(app, "segment.membership_changed")
    ]

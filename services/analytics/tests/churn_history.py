"""Rows of history written straight into analytics' own tables (orders, complaints,
breaches, surveys, lifecycle changes, lost opportunities, aliases) for the churn and CSI
tests: thousands of rows in one statement each, which the event builders would take
thousands of deliveries to make."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from crm_analytics.profiles.models import CustomerAlias, LifecycleChange
from crm_analytics.sales.models import SalesOpportunity, SalesOrder
from crm_analytics.support.models import SupportBreach, SupportSurvey, SupportTicket
from fastapi import FastAPI
from sqlalchemy import insert

Row = dict[str, Any]


@dataclass
class History:
    orders: list[Row] = field(default_factory=list)
    tickets: list[Row] = field(default_factory=list)
    breaches: list[Row] = field(default_factory=list)
    surveys: list[Row] = field(default_factory=list)
    lifecycle: list[Row] = field(default_factory=list)
    opportunities: list[Row] = field(default_factory=list)
    aliases: list[Row] = field(default_factory=list)
    numbers: count[int] = field(default_factory=count)

    def order(
        self, customer_id: str, at: datetime, total: str = "100.00", *, cancelled: bool = False
    ) -> None:
        self.orders.append(
            {
                "order_id": f"o-{next(self.numbers)}",
                "customer_id": customer_id,
                "version": 1,
                "currency": "EUR",
                "total": Decimal(total),
                "paid_amount": Decimal(total),
                "written_off_amount": Decimal(0),
                "ordered_at": at,
                "due_date": date(2026, 1, 1),
                "payment_state": "paid",
                "cancelled": cancelled,
            }
        )

    def complaint(self, customer_id: str, at: datetime, status: str = "closed") -> str:
        ticket_id = f"t-{next(self.numbers)}"
        self.tickets.append(
            {
                "ticket_id": ticket_id,
                "customer_id": customer_id,
                "version": 1,
                "kind": "complaint",
                "status": status,
                "major": False,
                "received_at": at,
            }
        )
        return ticket_id

    def breach(self, customer_id: str, ticket_id: str, at: datetime) -> None:
        self.breaches.append(
            {"ticket_id": ticket_id, "target": "resolution", "customer_id": customer_id,
             "breached_at": at}
        )  # fmt: skip

    def survey(
        self,
        customer_id: str,
        at: datetime,
        answers: list[tuple[str, int, int | None]],
        department: str | None = "service",
    ) -> None:
        scores = [score for _, score, _ in answers]
        self.surveys.append(
            {
                "survey_id": f"s-{next(self.numbers)}",
                "customer_id": customer_id,
                "ticket_id": "t-none",
                "answered_at": at,
                "department": department,
                "mean_score": Decimal(sum(scores)) / len(scores) if scores else None,
                "answers": [
                    {"item": item, "score": score, "expected": expected}
                    for item, score, expected in answers
                ],
            }
        )

    def lost(self, customer_id: str, at: datetime, reason: str | None) -> None:
        self.lifecycle.append(
            {
                "event_id": f"e-{next(self.numbers)}",
                "customer_id": customer_id,
                "from_stage": "customer",
                "to_stage": "lost",
                "reason": reason,
                "changed_by": "user-1",
                "changed_at": at,
            }
        )

    def lost_opportunity(self, customer_id: str, at: datetime, reason: str | None) -> None:
        self.opportunities.append(
            {
                "opportunity_id": f"op-{next(self.numbers)}",
                "customer_id": customer_id,
                "version": 1,
                "stage": "lost",
                "currency": "EUR",
                "amount": Decimal("500.00"),
                "weighted_amount": Decimal(0),
                "loss_reason": reason,
                "closed_at": at,
            }
        )

    def alias(self, alias_id: str, survivor_id: str, at: datetime) -> None:
        self.aliases.append(
            {"alias_id": alias_id, "survivor_id": survivor_id, "merged_at": at,
             "merge_event_id": f"m-{next(self.numbers)}"}
        )  # fmt: skip

    async def write(self, app: FastAPI) -> None:
        tables = (
            (SalesOrder, self.orders),
            (SupportTicket, self.tickets),
            (SupportBreach, self.breaches),
            (SupportSurvey, self.surveys),
            (LifecycleChange, self.lifecycle),
            (SalesOpportunity, self.opportunities),
            (CustomerAlias, self.aliases),
        )
        async with app.state.runtime.session_factory() as session:
            for model, rows in tables:
                if rows:
                    await session.execute(insert(model), rows)
            await session.commit()


def days_before(moment: datetime, days: float) -> datetime:
    return moment - timedelta(days=days)

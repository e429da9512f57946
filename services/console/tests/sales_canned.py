"""Canned answers of the sales service, shaped as its OpenAPI answers (``crm_sales``'s
``schemas.py``): the board's, the activities' and the forecast's."""

import re
from typing import Any

from services.console.tests.console_fakes import FakeServices

OPEN_STAGES = ("contact", "needs_analysis", "proposal", "quote", "negotiation")
OPPORTUNITY_ID = "0b6a8f0e-4a57-4c1e-9d0e-3f1f5b7d2a11"
CUSTOMER_ID = "5d0f3c1a-9a8b-4e2f-8c7d-1a2b3c4d5e6f"
ACTIVITY_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
STAMP = "2026-12-01T09:00:00Z"


def opportunity(
    stage: str = "proposal",
    *,
    id: str = OPPORTUNITY_ID,
    name: str = "Acme rollout",
    amount: str = "10000.00",
    probability: float = 0.4,
    owner: str | None = "user-1",
    version: int = 3,
) -> dict[str, Any]:
    return {
        "id": id,
        "name": name,
        "customer_id": CUSTOMER_ID,
        "lead_id": None,
        "owner": owner,
        "stage": stage,
        "probability": probability,
        "probability_overridden": False,
        "probability_reason": None,
        "amount": amount,
        "currency": "EUR",
        "weighted_amount": "4000.00",
        "expected_close_date": "2026-12-20",
        "loss_reason": None,
        "competitor": None,
        "stage_entered_at": STAMP,
        "closed_at": None,
        "version": version,
        "created_at": STAMP,
        "updated_at": STAMP,
    }


def page(items: list[dict[str, Any]], next_cursor: str | None = None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor, "limit": 25, "total": None}


def pipeline(**figures: tuple[int, str, str]) -> dict[str, Any]:
    """``figures``: stage -> (count, amount, weighted amount); other open stages are zero."""
    rows = []
    for stage in OPEN_STAGES:
        count, amount, weighted = figures.get(stage, (0, "0", "0"))
        rows.append({"stage": stage, "count": count, "amount": amount, "weighted_amount": weighted})
    return {
        "currency": "EUR",
        "weighted_total": "4000.00",
        "total_amount": "10000.00",
        "count": sum(row["count"] for row in rows),
        "stages": rows,
    }


def customer(name: str = "Acme GmbH") -> dict[str, Any]:
    return {"id": CUSTOMER_ID, "name": name, "company": name, "owner": "user-1"}


def board(services: FakeServices, cards: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """The board's reads: the pipeline, a page of cards per stage, the customers' names."""
    cards = {"proposal": [opportunity()]} if cards is None else cards
    services.on(
        "GET",
        "sales",
        "/v1/pipeline",
        pipeline(proposal=(1, "10000.00", "4000.00")),
    )

    def by_stage(request: Any) -> Any:
        import httpx

        stage = request.url.params.get("stage", "")
        return httpx.Response(200, json=page(cards.get(stage, [])))

    services.on_call("GET", "sales", "/v1/opportunities", by_stage)
    services.on("GET", "sales", re.escape(f"/v1/customers/{CUSTOMER_ID}"), customer())


def activity(
    *, id: str = ACTIVITY_ID, subject: str = "Call Acme back", due_at: str = STAMP
) -> dict[str, Any]:
    return {
        "id": id,
        "kind": "call",
        "subject": subject,
        "owner": "user-1",
        "due_at": due_at,
        "done": False,
        "done_at": None,
        "outcome": None,
        "lead_id": None,
        "opportunity_id": OPPORTUNITY_ID,
        "customer_id": CUSTOMER_ID,
        "created_by": "user-1",
        "version": 2,
        "created_at": STAMP,
        "updated_at": STAMP,
    }


def activities(
    services: FakeServices,
    overdue: list[dict[str, Any]] | None = None,
    today: list[dict[str, Any]] | None = None,
) -> None:
    import httpx

    lists = {"overdue": overdue or [], "today": today or []}

    def by_due(request: Any) -> Any:
        return httpx.Response(200, json=page(lists[request.url.params["due"]]))

    services.on_call("GET", "sales", "/v1/activities", by_due)


def forecast_row(key: str | None, weighted: str = "4000.00") -> dict[str, Any]:
    return {
        "key": key,
        "weighted": weighted,
        "best_case": "10000.00",
        "committed": "0",
        "closed_won": "2500.00",
        "open_count": 1,
        "committed_count": 0,
        "won_count": 1,
    }


def forecast(services: FakeServices) -> None:
    services.on(
        "GET",
        "sales",
        "/v1/forecast",
        {
            "period": "2026-Q4",
            "starts": "2026-10-01",
            "ends": "2026-12-31",
            "currency": "EUR",
            "group_by": "owner",
            "committed_from": "negotiation",
            "groups": [forecast_row("user-1"), forecast_row("user-2", "1500.00")],
            "total": forecast_row(None, "5500.00"),
        },
    )

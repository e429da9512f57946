"""Canned answers of the customer and analytics services, shaped like their OpenAPI answers
(crm_customer.customers.schemas.CustomerOut, crm_analytics.profiles.schemas.ProfileOut), for
the customer pages' tests."""

from typing import Any

ADA = "0b9a3c1e-8f57-4a0e-9d0e-2f4b6a1c7d01"
ADA_TWIN = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
STAMP = "2026-12-01T09:30:00+00:00"


def customer(id_: str = ADA, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": id_,
        "kind": "individual",
        "status": "active",
        "name": "Ada Lovelace",
        "company": "Analytical Engines Ltd",
        "email": "ada@example.com",
        "phone": "+442079460000",
        "external_id": None,
        "owner": "sales@crm.example.com",
        "source": "web",
        "tags": ["vip", "newsletter"],
        "lifecycle_stage": "customer",
        "relationship_phase": "maintenance",
        "address": {"street": "12 St James's Square", "postal_code": "SW1Y 4JH", "country": "GB"},
        "geographic": {
            "region": "London",
            "city": "London",
            "city_size": None,
            "area_type": "urban",
            "climate_zone": None,
            "time_zone": "Europe/London",
        },
        "demographic": {
            "birth_date": "1815-12-10",
            "gender": None,
            "income_band": None,
            "occupation": "Mathematician",
            "industry": None,
            "education": None,
            "marital_status": None,
            "household_size": None,
        },
        "psychographic": {"lifestyle": [], "personality": [], "social_class": []},
        "behavioural": {
            "usage_rate": None,
            "benefits_sought": [],
            "brand_loyalty": None,
            "user_status": None,
            "occasion": None,
        },
        "business": {
            "employees": None,
            "annual_revenue": None,
            "market_share": None,
            "ownership": None,
        },
        "consent": {"email": True, "sms": False, "phone": False, "post": False},
        "credit": {
            "credit_grade": None,
            "credit_basis": None,
            "operating_grade": None,
            "rated_at": None,
        },
        "merged_into": None,
        "erased_at": None,
        "version": 3,
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    body.update(changes)
    return body


def lifecycle(id_: str = ADA) -> dict[str, Any]:
    return {
        "customer_id": id_,
        "stage": "customer",
        "relationship_phase": "maintenance",
        "allowed_next": ["lost"],
        "version": 3,
        "history": [
            {
                "id": 1,
                "from_stage": None,
                "to_stage": "prospect",
                "transition": "created",
                "reason": None,
                "changed_by": "sales",
                "changed_at": "2026-11-01T09:00:00+00:00",
            },
            {
                "id": 2,
                "from_stage": "prospect",
                "to_stage": "customer",
                "transition": "converted",
                "reason": "first order",
                "changed_by": "sales",
                "changed_at": STAMP,
            },
        ],
    }


def consent(id_: str = ADA) -> dict[str, Any]:
    decision = {
        "granted": True,
        "decided_at": STAMP,
        "source": "web signup form",
        "method": "double opt-in",
    }
    never = {"granted": None, "decided_at": None, "source": None, "method": None}
    return {
        "customer_id": id_,
        "version": 3,
        "current": {"email": decision, "sms": never, "phone": never, "post": never},
        "history": [],
    }


def timeline_entry(number: int, id_: str = ADA) -> dict[str, Any]:
    return {
        "event_id": f"event-{number}",
        "event_type": "crm.sales.order.placed.v1",
        "occurred_at": STAMP,
        "source_service": "sales",
        "summary": f"Order SO-{number} placed",
        "subject_id": id_,
        "data": {},
    }


def profile(id_: str = ADA) -> dict[str, Any]:
    return {
        "customer_id": id_,
        "resolved_from": None,
        "merged_ids": [],
        "status": "active",
        "version": 3,
        "kind": "individual",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+442079460000",
        "company": "Analytical Engines Ltd",
        "owner": None,
        "source": "web",
        "tags": ["vip"],
        "birth_date": None,
        "region": None,
        "city": "London",
        "industry": None,
        "segmentation": {},
        "consent": {},
        "contacts": [],
        "lifecycle": {"stage": "customer", "history": []},
        "credit": {"credit_grade": None, "operating_grade": None, "basis": None, "rated_at": None},
        "sales": {
            "orders": 4,
            "currency": "EUR",
            "revenue": "1250.00",
            "revenue_by_currency": {"EUR": "1250.00"},
            "last_order_at": STAMP,
            "open_opportunities": 1,
            "weighted_pipeline": "300.00",
            "weighted_pipeline_by_currency": {"EUR": "300.00"},
            "outstanding": "0.00",
            "outstanding_by_currency": {"EUR": "0.00"},
            "overdue_orders": 0,
        },
        "service": {
            "tickets_open": 2,
            "tickets_total": 5,
            "complaints": 1,
            "major_complaints": 0,
            "breaches": 1,
            "last_ticket_at": STAMP,
            "recovery_cost_by_currency": {},
            "surveys": 1,
            "mean_score": 4.5,
            "last_survey": None,
        },
        "marketing": {
            "campaigns_received": 3,
            "messages_received": 4,
            "responses": 1,
            "opened": 2,
            "clicked": 1,
            "bounced": 0,
            "last_touch_at": STAMP,
            "unsubscribes": {},
            "last_unsubscribed_at": None,
            "consent": {"granted": ["email"], "withdrawn": []},
        },
        "scores": {
            "rfm": {
                "recency_days": 5,
                "frequency": 4,
                "monetary": "1250.00",
                "monetary_average": "312.50",
                "r": 5,
                "f": 4,
                "m": 4,
                "segment": "champions",
            },
            "abc_class": "A",
            "value_class": "VIP",
            "window_value": "1250.00",
            "currency": "EUR",
            "clv": {
                "frequency": 3.0,
                "recency": 40.0,
                "T": 45.0,
                "monetary_value": 300.0,
                "probability_alive": 0.93,
                "expected_purchases_30d": 1.2,
                "expected_average_value": 310.0,
                "predicted_value": 2400.5,
                "worksheet_value": "3750.00",
            },
            "churn_risk": {
                "score": 0.62,
                "level": "high",
                "reasons": [
                    {"code": "open_complaint", "weight": 0.4, "detail": "1 complaint still open"}
                ],
            },
            "mvc_class": 1,
            "loyalty_score": 0.8,
            "computed_at": STAMP,
        },
        "suggestions": [],
        "created_at": STAMP,
        "updated_at": STAMP,
        "erased_at": None,
        "timeline": {
            "items": [timeline_entry(1, id_), timeline_entry(2, id_)],
            "next_cursor": "older-1",
        },
    }

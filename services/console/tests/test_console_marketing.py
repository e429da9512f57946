"""The marketing pages over canned answers shaped like the marketing and analytics APIs:
the campaigns with their funnel, ROI and A/B variants; the segment builder's form mapped onto
the filter language, its live count, analytics' 422 shown per field; the saved segment."""

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from crm_console.pages import marketing_filters as filters

from services.console.tests.console_fakes import FakeServices

CAMPAIGN_ID = "0b9c7a4e-2f55-4c0e-8f0a-7d1e2c3b4a51"
SEGMENT_ID = "5b0e7c1e-6a57-4d43-9d0e-3f1c3f1b2a10"
CUSTOMER_ID = "9a8b7c6d-1111-4222-8333-444455556666"


def campaign_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": CAMPAIGN_ID,
        "name": "Spring offer",
        "objective": "Bring back spring buyers",
        "channel": "email",
        "status": "running",
        "segment_id": SEGMENT_ID,
        "audience_filter": None,
        "audience_ready": True,
        "audience_problem": None,
        "live_audience": False,
        "message": {"subject": "Spring is here", "body": "Hello {{ first_name }}", "html": None},
        "ab_test": {
            "alternatives": [{"subject": "Spring!", "body": "Hi", "html": None}],
            "share": 0.2,
            "metric": "clicked",
            "decide_after_hours": 24,
        },
        "ab_winner": "B",
        "budget": "1000.00",
        "fixed_cost": "100.00",
        "cost_per_message": "0.10",
        "currency": "EUR",
        "starts_at": None,
        "ends_at": None,
        "owner": "marketing@crm.example.com",
        "audience": 1200,
        "created_by": "user-1",
        "created_at": "2026-12-01T09:00:00Z",
        "launched_at": "2026-12-02T10:00:00Z",
        "finished_at": None,
        "version": 3,
    }
    return {**body, **changes}


def results_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "audience": 1200,
        "sent": 1000,
        "delivered": 950,
        "posted": 0,
        "bounced": 50,
        "opened": 400,
        "clicked": 120,
        "responded": 90,
        "responses": {"click": 80, "form": 10},
        "unsubscribed": 4,
        "orders": 17,
        "revenue": "2550.00",
        "cost": "200.00",
        "roi": 11.75,
        "response_rate": 0.0947,
        "conversion_rate": 0.0179,
        "currency": "EUR",
        "pending": 200,
        "suppressed": {"no_consent": 3},
        "unknown": 0,
        "variants": {
            "A": {
                "sent": 100,
                "delivered": 96,
                "opened": 40,
                "clicked": 8,
                "responded": 6,
                "rate": 0.0833,
            },
            "B": {
                "sent": 100,
                "delivered": 95,
                "opened": 45,
                "clicked": 14,
                "responded": 11,
                "rate": 0.1474,
            },
        },
        "winner": "B",
    }
    return {**body, **changes}


def segment_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": SEGMENT_ID,
        "name": "Young retail",
        "description": "Retail buyers aged 25 to 34",
        "filter": {
            "all": [
                {"field": "age_band", "op": "in", "value": ["25-34"]},
                {"field": "consent", "op": "contains", "value": "email"},
            ]
        },
        "bands": {"age": ["<18", "18-24", "25-34"], "spend": ["<100", ">100"]},
        "size": 42,
        "created_by": "user-1",
        "created_at": "2026-12-01T09:00:00Z",
        "updated_at": "2026-12-01T09:00:00Z",
        "version": 1,
    }
    return {**body, **changes}


FIELDS = [
    {"field": "age_band", "kind": "category", "ops": ["eq", "exists", "in", "ne", "not_in"],
     "values": ["<18", "18-24", "25-34", "35-44"]},
    {"field": "spend_band", "kind": "category", "ops": ["eq", "exists", "in", "ne", "not_in"],
     "values": ["<100", "100-250", ">250"]},
    {"field": "industry", "kind": "category", "ops": ["eq", "exists", "in", "ne", "not_in"],
     "values": None},
    {"field": "customer_type", "kind": "category", "ops": ["eq", "in"],
     "values": ["individual", "business"]},
    {"field": "monetary_total", "kind": "number", "ops": ["between", "gte", "lte"],
     "values": None},
    {"field": "tags", "kind": "set", "ops": ["contains", "exists"], "values": None},
    {"field": "consent", "kind": "set", "ops": ["contains"],
     "values": ["email", "sms", "phone", "post"]},
]  # fmt: skip


def page(items: list[dict[str, Any]], next_cursor: str | None = None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor, "limit": 20, "total": None}


def cells(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    ]


SignIn = Callable[..., str]


async def test_the_campaigns_list_shows_each_campaign_with_its_status_and_key_figures(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("GET", "marketing", "/v1/campaigns", page([campaign_body()], "next-1"))
    services.on("GET", "marketing", f"/v1/campaigns/{CAMPAIGN_ID}/results", results_body())

    response = await console.get("/marketing")

    assert response.status_code == 200, response.text
    assert f'href="/marketing/campaigns/{CAMPAIGN_ID}"' in response.text
    assert ">running<" in response.text
    row = cells(response.text)
    assert row[:3] == ["running", "E-mail", "2026-12-02"]
    assert row[3:] == ["1,200", "1,000", "9.5 %", "17", "2,550.00 EUR", "1175.0 %"]
    assert "cursor=next-1" in response.text
    [listing] = [c for c in services.calls if c.path == "/v1/campaigns"]
    assert listing.params["limit"] == "20"


async def test_a_campaign_shows_its_funnel_from_the_services_figures_and_its_roi(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("GET", "marketing", f"/v1/campaigns/{CAMPAIGN_ID}", campaign_body())
    services.on("GET", "marketing", f"/v1/campaigns/{CAMPAIGN_ID}/results", results_body())
    services.on("GET", "analytics", f"/v1/segments/{SEGMENT_ID}", segment_body())

    response = await console.get(f"/marketing/campaigns/{CAMPAIGN_ID}")

    assert response.status_code == 200, response.text
    html = response.text
    option = json.loads(
        re.search(r"data-chart='([^']*)'", html).group(1).replace("&#34;", '"')  # type: ignore[union-attr]
    )
    funnel = option["series"][0]
    assert funnel["type"] == "funnel"
    assert [(d["name"], d["value"]) for d in funnel["data"]] == [
        ("Sent", 1000),
        ("Delivered", 950),
        ("Opened", 400),
        ("Clicked", 120),
        ("Responded", 90),
        ("Ordered", 17),
    ]
    figures = re.search(r'<details class="chart-data">(.*?)</details>', html, re.S).group(1)  # type: ignore[union-attr]
    assert cells(figures) == [
        "Sent", "1,000", "Delivered", "950", "Opened", "400",
        "Clicked", "120", "Responded", "90", "Ordered", "17",
    ]  # fmt: skip
    assert f'href="/marketing/campaigns/{CAMPAIGN_ID}/results.csv"' in html
    assert "1175.0 %" in html  # the service's ROI, as a percentage
    assert "9.5 %" in html
    assert "1.8 %" in html
    assert "200.00" in html
    assert "2,550.00" in html
    assert f'href="/marketing/segments/{SEGMENT_ID}"' in html
    assert "echarts.min.js" in html


async def test_a_campaigns_ab_variants_stand_side_by_side_with_the_winner(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("GET", "marketing", f"/v1/campaigns/{CAMPAIGN_ID}", campaign_body())
    services.on("GET", "marketing", f"/v1/campaigns/{CAMPAIGN_ID}/results", results_body())
    services.on("GET", "analytics", f"/v1/segments/{SEGMENT_ID}", segment_body())

    html = (await console.get(f"/marketing/campaigns/{CAMPAIGN_ID}")).text

    table = re.search(r'<div class="table-wrap card mk-ab">(.*?)</table>', html, re.S).group(1)  # type: ignore[union-attr]
    headings = [
        re.sub(r"<[^>]+>", "", h).strip()
        for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)
    ]
    assert headings == ["Figure", "Variant A", "Variant B Winner"]
    assert cells(table) == [
        "100", "100", "96", "95", "40", "45", "8", "14", "6", "11", "8.3 %", "14.7 %",
    ]  # fmt: skip
    assert "variant B won" in html


async def test_a_draft_without_results_or_test_shows_zero_figures_and_no_variants(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on(
        "GET",
        "marketing",
        f"/v1/campaigns/{CAMPAIGN_ID}",
        campaign_body(status="draft", ab_test=None, ab_winner=None, launched_at=None),
    )
    zero = dict.fromkeys(("audience", "sent", "delivered", "opened", "clicked", "responded"), 0)
    services.on(
        "GET",
        "marketing",
        f"/v1/campaigns/{CAMPAIGN_ID}/results",
        results_body(**zero, orders=0, roi=None, response_rate=None, variants={}, winner=None),
    )
    services.on("GET", "analytics", f"/v1/segments/{SEGMENT_ID}", {"detail": "gone"}, status=404)

    response = await console.get(f"/marketing/campaigns/{CAMPAIGN_ID}")

    assert response.status_code == 200, response.text
    assert "A/B variants" not in response.text
    assert "no cost recorded" in response.text


async def test_the_results_csv_is_the_marketing_services_with_the_persons_token(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    token = sign_in("marketing")
    csv = "section,key,metric,value\r\nreport,,sent,1000\r\n"
    services.on(
        "GET",
        "marketing",
        f"/v1/campaigns/{CAMPAIGN_ID}/results",
        text=csv,
        headers={
            "content-type": "text/csv",
            "content-disposition": f'attachment; filename="campaign-{CAMPAIGN_ID}-results.csv"',
        },
    )

    response = await console.get(f"/marketing/campaigns/{CAMPAIGN_ID}/results.csv")

    assert response.status_code == 200
    assert response.text == csv
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    [call] = services.calls
    assert call.params == {"format": "csv"}
    assert call.headers["authorization"] == f"Bearer {token}"


async def test_the_builder_offers_a_labelled_control_per_filter_field(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("GET", "analytics", "/v1/segments/fields", FIELDS)

    html = (await console.get("/marketing/segments/new")).text

    assert "<legend>Age band</legend>" in html
    assert 'name="age_band" value="25-34"' in html
    assert '<label for="f-industry">Industry</label>' in html
    assert 'name="monetary_total_min"' in html
    assert 'name="monetary_total_max"' in html
    assert 'name="consent" value="email"' in html
    assert 'hx-post="/marketing/segments/preview"' in html
    assert 'hx-trigger="change, input delay:400ms"' in html
    assert 'id="segment-size" class="mk-size" role="status" aria-live="polite"' in html


def test_the_form_maps_onto_the_filter_language() -> None:
    form = filters.FormValues(
        [
            ("name", "Young retail"),
            ("age_band", "25-34"),
            ("age_band", "35-44"),
            ("industry", "retail, wholesale"),
            ("monetary_total_min", "100"),
            ("monetary_total_max", "500"),
            ("orders_min", "2"),
            ("recency_days_max", "90"),
            ("consent", "email"),
            ("consent", "sms"),
            ("tags", "vip"),
            ("churn_risk", "low"),
            ("match", "all"),
        ]
    )

    mapped = filters.filter_of(form)

    assert mapped.filter == {
        "all": [
            {"field": "age_band", "op": "in", "value": ["25-34", "35-44"]},
            {"field": "industry", "op": "in", "value": ["retail", "wholesale"]},
            {"field": "monetary_total", "op": "between", "value": [100.0, 500.0]},
            {"field": "orders", "op": "gte", "value": 2.0},
            {"field": "recency_days", "op": "lte", "value": 90.0},
            {"field": "churn_risk", "op": "in", "value": ["low"]},
            {"field": "consent", "op": "contains", "value": "email"},
            {"field": "consent", "op": "contains", "value": "sms"},
            {"field": "tags", "op": "contains", "value": "vip"},
        ]
    }
    assert mapped.sources[2] == "monetary_total"


def test_a_saved_filter_reads_in_words() -> None:
    saved = {
        "any": [
            {"field": "churn_risk", "op": "in", "value": ["medium", "high"]},
            {
                "all": [
                    {"field": "monetary_total", "op": "between", "value": [100, 500]},
                    {"not": {"field": "tags", "op": "contains", "value": "vip"}},
                ]
            },
        ]
    }

    assert filters.in_words(saved) == (
        "Churn risk is medium or high or (Total spend between 100 and 500 and not Tags include vip)"
    )


def test_any_combines_the_conditions_and_nothing_chosen_is_no_filter() -> None:
    form = filters.FormValues([("match", "any"), ("customer_type", "business"), ("city", "Oslo")])

    assert filters.filter_of(form).filter == {
        "any": [
            {"field": "customer_type", "op": "in", "value": ["business"]},
            {"field": "city", "op": "in", "value": ["Oslo"]},
        ]
    }
    assert filters.filter_of(filters.FormValues([("name", "x")])).empty


async def test_every_change_previews_the_size_through_analytics(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    token = sign_in("marketing")
    services.on("POST", "analytics", "/v1/segments/preview", {"size": 1234, "sample": []})

    response = await console.post(
        "/marketing/segments/preview",
        data={"age_band": "25-34", "monetary_total_min": "100", "name": "typed"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert '<strong data-size="1234">1,234</strong> customers match' in response.text
    [call] = services.writes("analytics")
    assert call.body == {
        "filter": {
            "all": [
                {"field": "age_band", "op": "in", "value": ["25-34"]},
                {"field": "monetary_total", "op": "gte", "value": 100.0},
            ]
        }
    }
    assert call.headers["authorization"] == f"Bearer {token}"


async def test_a_preview_without_conditions_asks_for_one_and_calls_no_one(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")

    response = await console.post("/marketing/segments/preview", data={"name": "x"})

    assert "Choose conditions" in response.text
    assert services.calls == []


def validation_problem(*errors: tuple[str, str]) -> dict[str, Any]:
    listed = [{"location": where, "message": what, "type": "x"} for where, what in errors]
    summary = "; ".join(f"{where}: {what}" for where, what in errors)
    return {
        "type": "https://crm.example.com/problems/validation-error",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": f"the request is not valid: {summary}",
        "errors": listed,
    }


async def test_analytics_refusal_of_a_preview_is_shown_per_field(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on(
        "POST",
        "analytics",
        "/v1/segments/preview",
        validation_problem(
            ("body.filter.all.all.1.field.NumberIs.value", "Input should be a valid number")
        ),
        status=422,
    )

    response = await console.post(
        "/marketing/segments/preview", data={"age_band": "25-34", "orders_min": "two"}
    )

    assert response.status_code == 200
    assert "Orders: Input should be a valid number" in response.text
    [call] = services.writes("analytics")
    assert call.body["filter"]["all"][1] == {"field": "orders", "op": "gte", "value": "two"}


async def test_saving_posts_the_name_and_filter_and_opens_the_segment(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("POST", "analytics", "/v1/segments", segment_body(), status=201)

    response = await console.post(
        "/marketing/segments",
        data={"name": "Young retail", "age_band": "25-34", "consent": "email"},
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/marketing/segments/{SEGMENT_ID}"
    [call] = services.writes("analytics")
    assert call.body == {"name": "Young retail", "filter": segment_body()["filter"]}


async def test_a_refused_save_shows_analytics_422_next_to_each_field(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("GET", "analytics", "/v1/segments/fields", FIELDS)
    services.on(
        "POST",
        "analytics",
        "/v1/segments",
        validation_problem(
            ("body.name", "String should have at least 1 character"),
            (
                "body.filter.all.all.1.field.TagContains.value",
                "String should have at most 100 characters",
            ),
        ),
        status=422,
    )

    response = await console.post(
        "/marketing/segments", data={"name": "", "age_band": "25-34", "tags": "x" * 101}
    )

    assert response.status_code == 422
    html = response.text
    assert '<p class="field-error" id="e-name">String should have at least 1 character</p>' in html
    assert (
        '<p class="field-error" id="e-tags">String should have at most 100 characters</p>' in html
    )
    assert 'name="age_band" value="25-34" checked' in html  # the form keeps what was chosen


async def test_a_refusal_without_fields_is_shown_above_the_form(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("GET", "analytics", "/v1/segments/fields", FIELDS)
    services.on(
        "POST",
        "analytics",
        "/v1/segments",
        {"title": "Unprocessable Content", "status": 422, "detail": "unknown age band '99+'"},
        status=422,
    )

    response = await console.post("/marketing/segments", data={"name": "x", "age_band": "99+"})

    assert response.status_code == 422
    assert "unknown age band &#39;99+&#39;" in response.text


async def test_a_segment_shows_its_filter_in_words_its_members_and_the_csv_link(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("GET", "analytics", f"/v1/segments/{SEGMENT_ID}", segment_body())
    member = {
        "customer_id": CUSTOMER_ID,
        "name": "Anna Berg",
        "email": "a***@example.org",
        "customer_type": "individual",
        "joined_at": "2026-12-01T09:00:00Z",
        "rfm_segment": "champions",
        "value_class": "A",
        "churn_risk": "low",
        "monetary_total": "1234.50",
    }
    services.on("GET", "analytics", f"/v1/segments/{SEGMENT_ID}/members", page([member], "m-2"))

    response = await console.get(f"/marketing/segments/{SEGMENT_ID}")

    html = response.text
    assert response.status_code == 200
    assert "<li>Age band is 25-34</li><li>Consent granted for email</li>" in html
    assert "Anna Berg" in html
    assert "1,234.50" in html
    assert f'href="/marketing/segments/{SEGMENT_ID}/members.csv"' in html
    assert f"/marketing/segments/{SEGMENT_ID}?cursor=m-2" in html
    members_call = next(c for c in services.calls if c.path.endswith("/members"))
    assert members_call.params == {"limit": "25"}


async def test_the_next_members_page_is_a_fragment_for_htmx(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("GET", "analytics", f"/v1/segments/{SEGMENT_ID}", segment_body())
    services.on("GET", "analytics", f"/v1/segments/{SEGMENT_ID}/members", page([]))

    response = await console.get(
        f"/marketing/segments/{SEGMENT_ID}?cursor=m-2", headers={"HX-Request": "true"}
    )

    assert response.text.lstrip().startswith('<div id="members"')
    members_call = next(c for c in services.calls if c.path.endswith("/members"))
    assert members_call.params == {"limit": "25", "cursor": "m-2"}


async def test_the_members_csv_is_analytics_export(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on(
        "GET",
        "analytics",
        f"/v1/segments/{SEGMENT_ID}/members.csv",
        text="customer_id,name\r\n",
        headers={"content-type": "text/csv"},
    )

    response = await console.get(f"/marketing/segments/{SEGMENT_ID}/members.csv")

    assert response.text == "customer_id,name\r\n"
    assert "attachment" in response.headers["content-disposition"]


async def test_the_segments_list_links_each_segment_with_its_size(
    console: httpx.AsyncClient, services: FakeServices, sign_in: SignIn
) -> None:
    sign_in("marketing")
    services.on("GET", "analytics", "/v1/segments", page([segment_body()]))

    html = (await console.get("/marketing/segments")).text

    assert f'<a href="/marketing/segments/{SEGMENT_ID}">Young retail</a>' in html
    assert cells(html)[0] == "42"
    assert 'href="/marketing/segments/new"' in html


@pytest.mark.parametrize("path", ["/marketing", "/marketing/segments/new"])
async def test_a_role_without_marketing_rights_is_refused(
    console: httpx.AsyncClient, sign_in: SignIn, path: str
) -> None:
    sign_in("support")

    response = await console.get(path)

    assert response.status_code == 403

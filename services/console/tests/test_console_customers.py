"""The customer pages over faked services: what they show, and the calls they make."""

import json
import re
from collections.abc import Callable

import httpx
from crm_console.pages.customers_views import form_values

from services.console.tests.console_fakes import FakeServices
from services.console.tests.customer_samples import (
    ADA,
    ADA_TWIN,
    consent,
    customer,
    lifecycle,
    profile,
    timeline_entry,
)

ETAG = {"ETag": '"3"'}


def _page(items: list[dict[str, object]], next_cursor: str | None) -> dict[str, object]:
    return {"items": items, "next_cursor": next_cursor, "limit": 25, "total": 30}


def _customer_reads(services: FakeServices) -> None:
    services.on("GET", "customer", f"/v1/customers/{ADA}", customer(), headers=ETAG)
    services.on("GET", "customer", f"/v1/customers/{ADA}/lifecycle", lifecycle(), headers=ETAG)
    services.on("GET", "customer", f"/v1/customers/{ADA}/consent", consent(), headers=ETAG)


# --- search ---------------------------------------------------------------------------------


async def test_the_search_renders_the_rows_and_a_next_link_with_the_filters(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    services.on("GET", "customer", "/v1/customers", _page([customer()], "next-page-cursor"))

    response = await console.get("/customers", params={"q": "ada", "stage": "customer"})

    assert response.status_code == 200
    assert f'href="/customers/{ADA}"' in response.text
    assert "Ada Lovelace" in response.text
    assert "30 customers match" in response.text
    assert 'href="/customers?q=ada&amp;stage=customer&amp;cursor=next-page-cursor"' in response.text
    call = services.calls[-1]
    assert call.params["name"] == "ada"
    assert call.params["stage"] == "customer"
    assert call.params["limit"] == "25"


async def test_the_search_box_looks_for_an_email_or_a_phone_by_what_is_typed(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    services.on("GET", "customer", "/v1/customers", _page([], None))

    await console.get("/customers", params={"q": "ada@example.com"})
    await console.get("/customers", params={"q": "+44 20 7946 0000"})

    assert services.calls[0].params.get("email") == "ada@example.com"
    assert services.calls[1].params.get("phone") == "+44 20 7946 0000"


async def test_a_live_search_answers_only_the_results(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    services.on("GET", "customer", "/v1/customers", _page([customer()], None))

    response = await console.get("/customers", params={"q": "ada"}, headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert "<table" in response.text
    assert 'hx-swap-oob="true"' in response.text  # the count above the results


async def test_an_invalid_phone_in_the_search_is_said_beside_the_results(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    problem = {"status": 422, "detail": "+99 123456 is not a valid phone number"}
    services.on("GET", "customer", "/v1/customers", problem, status=422)

    response = await console.get("/customers", params={"q": "+99 123456"})

    assert response.status_code == 200
    assert "is not a valid phone number" in response.text


# --- the 360 page ---------------------------------------------------------------------------


async def test_the_360_page_shows_the_master_data_scores_and_the_timeline(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)
    services.on("GET", "analytics", f"/v1/profiles/{ADA}", profile())

    response = await console.get(f"/customers/{ADA}")

    assert response.status_code == 200
    text = response.text
    assert "<h1>Ada Lovelace</h1>" in text
    assert "double opt-in" in text  # consent with how it was given
    assert "first order" in text  # the lifecycle history's reason
    assert "Champions" in text
    assert "VIP" in text
    assert "High risk" in text
    assert "1 complaint still open" in text
    assert "2,400.50 EUR" in text  # the predicted CLV
    assert "1,250.00 EUR" in text  # revenue
    assert "Order SO-1 placed" in text
    assert f'hx-get="/customers/{ADA}/timeline?cursor=older-1"' in text
    assert 'hx-trigger="revealed"' in text
    assert f'href="/customers/{ADA}/edit"' in text
    assert f"/customers/{ADA}/erase" not in text  # sales may not erase
    paths = {(c.service, c.path) for c in services.calls}
    assert ("analytics", f"/v1/profiles/{ADA}") in paths
    assert ("customer", f"/v1/customers/{ADA}") in paths


async def test_the_360_page_without_a_profile_still_shows_the_master_data(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)
    services.on(
        "GET", "analytics", f"/v1/profiles/{ADA}", {"detail": "no such customer"}, status=404
    )

    response = await console.get(f"/customers/{ADA}")

    assert response.status_code == 200
    assert "<h1>Ada Lovelace</h1>" in response.text
    assert "ada@example.com" in response.text
    assert "Analytics has no profile of this customer yet" in response.text


async def test_the_360_page_when_analytics_is_away(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)
    services.on("GET", "analytics", f"/v1/profiles/{ADA}", {"detail": "down"}, status=503)

    response = await console.get(f"/customers/{ADA}")

    assert response.status_code == 200
    assert "cannot be shown right now" in response.text


async def test_the_timeline_fragment_loads_the_next_cursor_page(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    older = {
        "items": [timeline_entry(3)],
        "next_cursor": None,
        "customer_id": ADA,
        "resolved_from": None,
        "limit": 20,
    }
    services.on("GET", "analytics", f"/v1/profiles/{ADA}/timeline", older)

    response = await console.get(
        f"/customers/{ADA}/timeline", params={"cursor": "older-1"}, headers={"HX-Request": "true"}
    )

    assert "Order SO-3 placed" in response.text
    assert "<html" not in response.text
    assert "revealed" not in response.text  # the last page: no more to load
    assert services.calls[-1].params["cursor"] == "older-1"


# --- edit -----------------------------------------------------------------------------------


async def test_the_edit_form_is_prefilled_with_the_etag_of_the_read(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)

    response = await console.get(f"/customers/{ADA}/edit")

    assert 'name="etag" value="&#34;3&#34;"' in response.text
    assert 'value="ada@example.com"' in response.text


async def test_a_saved_edit_sends_the_patch_with_if_match(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    services.on("PATCH", "customer", f"/v1/customers/{ADA}", customer(name="Ada King"))

    response = await console.post(
        f"/customers/{ADA}/edit",
        data={"etag": '"3"', "name": "Ada King", "kind": "individual", "tags": "vip, gold"},
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{ADA}?done=saved"
    (patch,) = services.writes("customer")
    assert patch.headers["if-match"] == '"3"'
    assert patch.body["name"] == "Ada King"
    assert patch.body["tags"] == ["vip", "gold"]
    assert patch.body["email"] is None  # emptied: cleared


async def test_a_stale_edit_is_refused_with_a_clear_message_and_the_current_values(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    services.on(
        "GET",
        "customer",
        f"/v1/customers/{ADA}",
        customer(name="Ada, Countess of Lovelace", version=4),
        headers={"ETag": '"4"'},
    )
    services.on(
        "PATCH",
        "customer",
        f"/v1/customers/{ADA}",
        {"status": 412, "detail": "stale", "current_etag": '"4"'},
        status=412,
    )

    response = await console.post(
        f"/customers/{ADA}/edit",
        data={
            **form_values(customer()),
            "etag": '"3"',
            "opened": json.dumps(form_values(customer())),
            "demographic.occupation": "Poet",
        },
    )

    assert response.status_code == 409
    assert "This customer was changed by someone else since you opened the form" in response.text
    assert 'value="Ada, Countess of Lovelace"' in response.text  # the current values
    assert 'name="etag" value="&#34;4&#34;"' in response.text
    changes = re.findall(r'<th scope="row">([^<]+)</th>', response.text)
    assert changes == ["Name", "Occupation"]  # changed meanwhile; the person's own change
    assert 'Poet</strong> <span class="diff-mark">Your change' in response.text
    assert 'Countess of Lovelace</strong> <span class="diff-mark">Changed meanwhile' in (
        response.text
    )
    assert "Start again with the current values" in response.text
    (patch,) = services.writes("customer")
    assert patch.headers["if-match"] == '"3"'


async def test_validation_errors_show_beside_their_fields(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)
    problem = {
        "status": 422,
        "detail": "the request is not valid",
        "errors": [
            {
                "location": "body.address.country",
                "message": "String should match pattern",
                "type": "string_pattern_mismatch",
            }
        ],
    }
    services.on("PATCH", "customer", f"/v1/customers/{ADA}", problem, status=422)

    response = await console.post(
        f"/customers/{ADA}/edit",
        data={"etag": '"3"', "name": "Ada", "kind": "individual", "address.country": "GBR"},
    )

    assert response.status_code == 422
    field = re.search(r'<input id="f-address-country"[^>]*>', response.text)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert 'value="GBR"' in field.group(0)
    assert "String should match pattern" in response.text


# --- merge ----------------------------------------------------------------------------------


async def test_the_merge_preview_marks_the_differing_fields_in_words(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)
    twin = customer(ADA_TWIN, email="ada.lovelace@example.org", tags=[])
    services.on("GET", "customer", f"/v1/customers/{ADA_TWIN}", twin, headers={"ETag": '"1"'})

    response = await console.get(f"/customers/{ADA}/merge", params={"other": ADA_TWIN})

    text = response.text
    rows = re.findall(r"<tr( class=\"differs\")?>\s*<th scope=\"row\">([^<]+)", text)
    differing = {name.strip() for marked, name in rows if marked}
    assert differing == {"E-mail", "Tags"}
    assert text.count('<span class="diff-mark">Differs</span>') == 3  # 2 rows + the legend
    assert 'name="duplicate_id" value="' + ADA_TWIN in text
    assert 'name="etag" value="&#34;3&#34;"' in text  # the survivor's


async def test_a_merge_calls_the_merge_endpoint_with_the_survivors_etag(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    services.on("POST", "customer", f"/v1/customers/{ADA}/merge", customer(version=4))

    response = await console.post(
        f"/customers/{ADA}/merge", data={"etag": '"3"', "duplicate_id": ADA_TWIN}
    )

    assert response.status_code == 303
    (merge,) = services.writes("customer")
    assert merge.body == {"duplicate_id": ADA_TWIN}
    assert merge.headers["if-match"] == '"3"'


# --- erasure and permissions ----------------------------------------------------------------


async def test_erasure_is_only_offered_to_a_role_that_may_erase(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    _customer_reads(services)
    services.on("GET", "analytics", f"/v1/profiles/{ADA}", profile())

    sign_in("support")
    support_page = await console.get(f"/customers/{ADA}")
    support_form = await console.get(f"/customers/{ADA}/erase")
    sign_in("admin")
    admin_page = await console.get(f"/customers/{ADA}")
    admin_form = await console.get(f"/customers/{ADA}/erase")

    assert f"/customers/{ADA}/erase" not in support_page.text
    assert support_form.status_code == 403
    assert f'href="/customers/{ADA}/erase"' in admin_page.text
    assert admin_form.status_code == 200
    assert "This cannot be undone" in admin_form.text


async def test_an_analyst_sees_no_edit_or_merge(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    _customer_reads(services)
    services.on("GET", "analytics", f"/v1/profiles/{ADA}", profile())
    sign_in("analyst")

    page = await console.get(f"/customers/{ADA}")
    edit = await console.get(f"/customers/{ADA}/edit")

    assert page.status_code == 200
    assert "/edit" not in page.text
    assert "/merge" not in page.text
    assert edit.status_code == 403


async def test_an_erasure_needs_the_name_typed_and_then_calls_the_service(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("admin")
    _customer_reads(services)
    services.on("POST", "customer", f"/v1/customers/{ADA}/erasure", customer(status="erased"))
    form = {"etag": '"3"', "name": "Ada Lovelace", "reason": "ticket 4711"}

    refused = await console.post(f"/customers/{ADA}/erase", data={**form, "confirm_name": "Ada"})
    done = await console.post(
        f"/customers/{ADA}/erase", data={**form, "confirm_name": "ada lovelace"}
    )

    assert refused.status_code == 422
    assert "Type the customer&#39;s name exactly as shown" in refused.text
    assert done.status_code == 303
    (erasure,) = services.writes("customer")
    assert erasure.body == {"reason": "ticket 4711"}
    assert erasure.headers["if-match"] == '"3"'


async def test_the_services_own_phone_check_shows_beside_the_phone_field(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)
    problem = {
        "type": "https://crm.example.com/problems/invalid-phone-number",
        "status": 422,
        "detail": "+1 555 is not a valid phone number",
        "location": "body.phone",
    }
    services.on("PATCH", "customer", f"/v1/customers/{ADA}", problem, status=422)

    response = await console.post(
        f"/customers/{ADA}/edit",
        data={"etag": '"3"', "name": "Ada", "kind": "individual", "phone": "+1 555"},
    )

    field = re.search(r'<input id="f-phone"[^>]*>', response.text)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert '<p class="field-error" id="f-phone-note">' in response.text


async def test_a_stale_merge_merges_nothing_and_says_so(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)
    services.on("GET", "customer", f"/v1/customers/{ADA_TWIN}", customer(ADA_TWIN))
    services.on("POST", "customer", f"/v1/customers/{ADA}/merge", {"detail": "stale"}, status=412)

    response = await console.post(
        f"/customers/{ADA}/merge", data={"etag": '"2"', "duplicate_id": ADA_TWIN}
    )

    assert response.status_code == 412
    assert "nothing was merged" in response.text
    assert 'name="etag" value="&#34;3&#34;"' in response.text  # the current one, to try again


async def test_a_merged_record_points_to_the_survivor(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)
    merged = customer(status="merged", merged_into=ADA_TWIN)
    services.on("GET", "customer", f"/v1/customers/{ADA}", merged, headers=ETAG)
    services.on("GET", "analytics", f"/v1/profiles/{ADA}", profile(ADA_TWIN))

    response = await console.get(f"/customers/{ADA}")

    assert response.status_code == 200
    assert f'<a href="/customers/{ADA_TWIN}">open the surviving record</a>' in response.text
    assert "Scores" not in response.text  # the survivor's profile is on the survivor's page
    assert f'href="/customers/{ADA}/edit"' not in response.text


async def test_an_erased_record_shows_as_a_tombstone(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("admin")
    _customer_reads(services)
    erased = customer(
        status="erased", name="(erased)", email=None, phone=None, erased_at="2026-12-02T08:00:00Z"
    )
    services.on("GET", "customer", f"/v1/customers/{ADA}", erased, headers=ETAG)
    services.on("GET", "analytics", f"/v1/profiles/{ADA}", profile())

    response = await console.get(f"/customers/{ADA}")

    assert response.status_code == 200
    assert "personal data was erased on 2026-12-02" in response.text
    assert f'href="/customers/{ADA}/erase"' not in response.text


async def test_the_stage_moves_the_service_allows_are_offered_and_sent_with_if_match(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    _customer_reads(services)
    services.on("GET", "analytics", f"/v1/profiles/{ADA}", profile())
    services.on("POST", "customer", f"/v1/customers/{ADA}/lifecycle", lifecycle())

    page = await console.get(f"/customers/{ADA}")
    moved = await console.post(
        f"/customers/{ADA}/stage", data={"etag": '"3"', "stage": "lost", "reason": "moved"}
    )

    assert '<option value="lost">Lost</option>' in page.text  # the lifecycle's allowed_next
    assert moved.status_code == 303
    (move,) = services.writes("customer")
    assert move.body == {"stage": "lost", "reason": "moved"}
    assert move.headers["if-match"] == '"3"'


async def test_a_refused_stage_move_shows_the_services_reason(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")
    refusal = {"status": 409, "detail": "a lost customer can only be re-engaged as a prospect"}
    services.on("POST", "customer", f"/v1/customers/{ADA}/lifecycle", refusal, status=409)

    response = await console.post(
        f"/customers/{ADA}/stage", data={"etag": '"3"', "stage": "customer", "reason": "x"}
    )

    assert response.status_code == 409
    assert "can only be re-engaged as a prospect" in response.text

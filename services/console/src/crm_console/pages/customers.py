"""The customer pages: search, the 360 view with its timeline, edit, merge and erasure.

Every read is the customer service's or analytics' API and every change the customer
service's, with the person's token (it masks personal data and refuses what the role may not
do); the shaping for the eye is in :mod:`crm_console.pages.customers_views`.
"""

import asyncio
import json
from typing import Annotated, Any
from urllib.parse import urlencode

from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crm_console.pages import customers_views as views
from crm_console.session import Viewer, allowed
from crm_console.upstream import Upstream, UpstreamError
from crm_console.web import UpstreamDep, alert, is_htmx, render

router = APIRouter()

Reader = Annotated[Viewer, allowed(Permission.CUSTOMERS_READ)]
ProfileReader = Annotated[Viewer, allowed(Permission.PROFILES_READ)]
Writer = Annotated[Viewer, allowed(Permission.CUSTOMERS_WRITE)]
Eraser = Annotated[Viewer, allowed(Permission.CUSTOMERS_ERASE)]

STALE = (
    "This customer was changed by someone else since you opened the form, so your changes "
    "were not saved. The form below now shows the current values: check them and make your "
    "change again."
)
DONE = {
    "saved": "The changes are saved.",
    "merged": "The duplicate was merged into this customer; it now points here.",
    "stage": "The lifecycle stage was changed.",
    "erased": "The customer's personal data was erased. A tombstone without personal data remains.",
}


def _fragment(request: Request) -> bool:
    """An htmx swap of a part of the page (a history restore wants the whole page)."""
    return is_htmx(request) and request.headers.get("hx-history-restore-request") != "true"


async def _customer(upstream: Upstream, customer_id: str) -> tuple[dict[str, Any], str]:
    """The customer and the ETag of the version read (what If-Match must name)."""
    return await _read_with_etag(upstream, f"/v1/customers/{customer_id}")


async def _read_with_etag(upstream: Upstream, path: str) -> tuple[dict[str, Any], str]:
    response = await upstream.request("GET", "customer", path)
    return response.json(), response.headers.get("etag", "")


async def _search_page(upstream: Upstream, search: views.Search) -> dict[str, Any]:
    """One page of the search's results, or the service's refusal (a malformed phone)."""
    try:
        page = await upstream.get("customer", "/v1/customers", search.upstream_params())
    except UpstreamError as error:
        if error.status not in (400, 422):
            raise
        return {"rows": [], "next_url": None, "total": None, "search_error": error.detail}
    next_cursor = page.get("next_cursor")
    return {
        "rows": views.result_rows(page["items"]),
        "next_url": search.url(cursor=next_cursor) if next_cursor else None,
        "total": page.get("total"),
        "search_error": None,
    }


# --- search -------------------------------------------------------------------------------


@router.get("/customers", response_class=HTMLResponse)
async def search(request: Request, viewer: Reader, upstream: UpstreamDep) -> Response:
    form = views.Search.from_query(request.query_params)
    context = {
        "search": form,
        "kinds": views.KINDS,
        "stages": views.STAGES,
        "sorts": views.SORTS,
        "label": views.label,
        **await _search_page(upstream, form),
    }
    template = "customers/_results.html" if _fragment(request) else "customers/search.html"
    return render(request, template, context)


# --- the 360 page ---------------------------------------------------------------------------


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
async def customer_360(
    request: Request, customer_id: str, viewer: Reader, upstream: UpstreamDep
) -> Response:
    base = f"/v1/customers/{customer_id}"
    # The master data is the page; the profile, lifecycle and consent only add to it.
    answers: tuple[Any, ...] = await asyncio.gather(
        upstream.get("customer", base),
        _read_with_etag(upstream, f"{base}/lifecycle"),
        upstream.get("customer", f"{base}/consent"),
        _profile(upstream, viewer, customer_id),
        return_exceptions=True,
    )
    customer, lifecycle_read, consent, profile = answers
    lifecycle, lifecycle_etag = lifecycle_read if isinstance(lifecycle_read, tuple) else (None, "")
    if isinstance(customer, BaseException):
        raise customer
    profile_note = None
    if customer["status"] == "merged":
        profile = None  # analytics answers with the survivor's, which the note links to
    elif isinstance(profile, UpstreamError):
        profile_note = (
            "Analytics has no profile of this customer yet (it appears a moment after the "
            "customer is created): sales, service, marketing, scores and the timeline will "
            "show here then."
            if profile.status == 404
            else f"Sales, service, marketing, scores and the timeline cannot be shown right "
            f"now: {profile.detail}."
        )
        profile = None
    elif isinstance(profile, BaseException):
        raise profile
    context = {
        "customer": customer,
        "facts": views.master_facts(customer),
        "consent": views.consent_lines(
            consent if isinstance(consent, dict) else None, customer.get("consent") or {}
        ),
        "stage_badge": views.STAGE_BADGE.get(customer["lifecycle_stage"], "idle"),
        "history": views.stage_history(lifecycle),
        # The moves the service allows from here, and the ETag the move must name.
        "allowed_next": (lifecycle or {}).get("allowed_next") or [],
        "lifecycle_etag": lifecycle_etag,
        "profile": views.profile_view(profile) if profile else None,
        "profile_note": profile_note,
        "timeline": _timeline_context(customer_id, (profile or {}).get("timeline")),
        "done": DONE.get(request.query_params.get("done", "")),
        "label": views.label,
        "can_write": viewer.can(Permission.CUSTOMERS_WRITE),
        "can_erase": viewer.can(Permission.CUSTOMERS_ERASE),
    }
    return render(request, "customers/detail.html", context)


async def _profile(upstream: Upstream, viewer: Viewer, customer_id: str) -> Any:
    if not viewer.can(Permission.PROFILES_READ):
        raise UpstreamError("analytics", 403, {"detail": "your role does not see profiles"})
    return await upstream.get("analytics", f"/v1/profiles/{customer_id}")


def _timeline_context(customer_id: str, page: dict[str, Any] | None) -> dict[str, Any]:
    page = page or {"items": [], "next_cursor": None}
    cursor = page.get("next_cursor")
    return {
        "entries": views.timeline_entries(page.get("items") or [], customer_id),
        "next_url": f"/customers/{customer_id}/timeline?{urlencode({'cursor': cursor})}"
        if cursor
        else None,
    }


@router.get("/customers/{customer_id}/timeline", response_class=HTMLResponse)
async def timeline(
    request: Request,
    customer_id: str,
    viewer: ProfileReader,
    upstream: UpstreamDep,
    cursor: str = "",
) -> Response:
    """Older timeline entries: the next rows for the infinite scroll (htmx), or a page."""
    page = await upstream.get(
        "analytics",
        f"/v1/profiles/{customer_id}/timeline",
        {"cursor": cursor or None, "limit": views.TIMELINE_PAGE},
    )
    context = {"customer_id": customer_id, "timeline": _timeline_context(customer_id, page)}
    if _fragment(request):
        return render(request, "customers/_timeline_items.html", context)
    return render(request, "customers/timeline.html", context)


@router.post("/customers/{customer_id}/stage", response_class=HTMLResponse)
async def move_stage(
    request: Request, customer_id: str, viewer: Writer, upstream: UpstreamDep
) -> Response:
    """Move the lifecycle stage (the service decides which moves are allowed)."""
    form = await request.form()
    try:
        await upstream.send(
            "POST",
            "customer",
            f"/v1/customers/{customer_id}/lifecycle",
            json={"stage": str(form.get("stage", "")), "reason": str(form.get("reason", ""))},
            headers={"If-Match": str(form.get("etag", ""))},
        )
    except UpstreamError as error:
        if error.status == 412:
            message = (
                "This customer was changed by someone else since you opened the page, so the "
                "stage was not changed. Open the customer again and choose once more."
            )
            return alert(request, message, 409)
        raise
    return RedirectResponse(f"/customers/{customer_id}?done=stage", status_code=303)


# --- edit -----------------------------------------------------------------------------------


def _edit_context(
    customer: dict[str, Any],
    etag: str,
    values: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    read = views.form_values(customer)
    return {
        "customer": customer,
        "etag": etag,
        # The values as the form was opened: a stale edit then tells the person's own changes
        # from the ones made meanwhile.
        "opened": extra.pop("opened", None) or json.dumps(read),
        "sections": views.EDIT_SECTIONS,
        "values": values if values is not None else read,
        "errors": {},
        "label": views.label,
        **extra,
    }


@router.get("/customers/{customer_id}/edit", response_class=HTMLResponse)
async def edit_form(
    request: Request, customer_id: str, viewer: Writer, upstream: UpstreamDep
) -> Response:
    customer, etag = await _customer(upstream, customer_id)
    return render(request, "customers/edit.html", _edit_context(customer, etag))


@router.post("/customers/{customer_id}/edit", response_class=HTMLResponse)
async def edit(
    request: Request, customer_id: str, viewer: Writer, upstream: UpstreamDep
) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    etag = form.get("etag", "")
    try:
        await upstream.send(
            "PATCH",
            "customer",
            f"/v1/customers/{customer_id}",
            json=views.patch_body(form),
            headers={"If-Match": etag},
        )
    except UpstreamError as error:
        if error.status in (412, 428):
            # Someone saved first: show what the record holds now, with its new ETag.
            current, current_etag = await _customer(upstream, customer_id)
            try:
                opened = json.loads(form.get("opened", "{}"))
            except ValueError:
                opened = {}
            unsaved = views.stale_lines(opened, form, views.form_values(current))
            context = _edit_context(current, current_etag, stale=STALE, unsaved=unsaved)
            return render(request, "customers/edit.html", context, status_code=409)
        if error.status in (400, 409, 422):
            customer, _ = await _customer(upstream, customer_id)
            context = _edit_context(
                customer,
                etag,
                values=form,
                errors=views.field_errors(error.problem),
                opened=form.get("opened"),
                problem=error.detail,
            )
            return render(request, "customers/edit.html", context, status_code=error.status)
        raise
    return RedirectResponse(f"/customers/{customer_id}?done=saved", status_code=303)


# --- merge ----------------------------------------------------------------------------------


@router.get("/customers/{customer_id}/merge", response_class=HTMLResponse)
async def merge_preview(
    request: Request,
    customer_id: str,
    viewer: Writer,
    upstream: UpstreamDep,
    other: str = "",
    q: str | None = None,
) -> Response:
    survivor, etag = await _customer(upstream, customer_id)
    if other:
        duplicate = await upstream.get("customer", f"/v1/customers/{other}")
        context = {
            "survivor": survivor,
            "duplicate": duplicate,
            "etag": etag,
            "lines": views.merge_lines(survivor, duplicate),
        }
        return render(request, "customers/merge.html", context)
    # No other record chosen yet: look for candidates, by the survivor's name at first.
    query = survivor["name"] if q is None else q.strip()
    found = await _search_page(upstream, views.Search(q=query))
    candidates = [row for row in found["rows"] if row.id != customer_id]
    context = {
        "survivor": survivor,
        "query": query,
        "candidates": candidates,
        "search_error": found["search_error"],
        "label": views.label,
    }
    if _fragment(request):
        return render(request, "customers/_merge_candidates.html", context)
    return render(request, "customers/merge_pick.html", context)


@router.post("/customers/{customer_id}/merge", response_class=HTMLResponse)
async def merge(
    request: Request, customer_id: str, viewer: Writer, upstream: UpstreamDep
) -> Response:
    form = await request.form()
    duplicate_id = str(form.get("duplicate_id", ""))
    try:
        await upstream.send(
            "POST",
            "customer",
            f"/v1/customers/{customer_id}/merge",
            json={"duplicate_id": duplicate_id},
            headers={"If-Match": str(form.get("etag", ""))},
        )
    except UpstreamError as error:
        if error.status not in (400, 404, 409, 412, 422, 428):
            raise
        survivor, etag = await _customer(upstream, customer_id)
        duplicate = await upstream.get("customer", f"/v1/customers/{duplicate_id}")
        message = (
            "One of the two customers was changed by someone else since you opened this "
            "preview, so nothing was merged. Below are the records as they are now: check "
            "them and merge again."
            if error.status == 412
            else error.detail
        )
        context = {
            "survivor": survivor,
            "duplicate": duplicate,
            "etag": etag,
            "lines": views.merge_lines(survivor, duplicate),
            "error": message,
        }
        return render(request, "customers/merge.html", context, status_code=error.status)
    return RedirectResponse(f"/customers/{customer_id}?done=merged", status_code=303)


# --- erasure --------------------------------------------------------------------------------


@router.get("/customers/{customer_id}/erase", response_class=HTMLResponse)
async def erase_form(
    request: Request, customer_id: str, viewer: Eraser, upstream: UpstreamDep
) -> Response:
    customer, etag = await _customer(upstream, customer_id)
    return render(request, "customers/erase.html", {"customer": customer, "etag": etag})


@router.post("/customers/{customer_id}/erase", response_class=HTMLResponse)
async def erase(
    request: Request, customer_id: str, viewer: Eraser, upstream: UpstreamDep
) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    errors: dict[str, str] = {}
    # The typed name is the person's own check that this is the right record (the service
    # decides whether it may be erased).
    expected_name = form.get("name", "").strip().casefold()
    if form.get("confirm_name", "").strip().casefold() != expected_name:
        errors["confirm_name"] = "Type the customer's name exactly as shown to confirm."
    if not form.get("reason", "").strip():
        errors["reason"] = "Say which request this erasure fulfils, e.g. a ticket number."
    if not errors:
        try:
            await upstream.send(
                "POST",
                "customer",
                f"/v1/customers/{customer_id}/erasure",
                json={"reason": form["reason"].strip()},
                headers={"If-Match": form.get("etag", "")},
            )
        except UpstreamError as error:
            if error.status not in (400, 409, 412, 422, 428):
                raise
            errors["form"] = (
                "This customer was changed by someone else since you opened this page, so "
                "nothing was erased. Check the record again and confirm once more."
                if error.status == 412
                else error.detail
            )
        else:
            return RedirectResponse(f"/customers/{customer_id}?done=erased", status_code=303)
    customer, etag = await _customer(upstream, customer_id)
    context = {"customer": customer, "etag": etag, "form": form, "errors": errors}
    return render(request, "customers/erase.html", context, status_code=422)

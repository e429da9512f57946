"""The HTTP side of the customer's public pages (``crm_shared.html_pages``): the answer with
its protective headers, their OpenAPI description, and the rate limit by address (a public
page has no token to count by)."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from crm_shared.api.ratelimit import charge_public

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
}


def html_page(body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)


def html_doc(description: str) -> dict[str, Any]:
    """An OpenAPI response that is an HTML page."""
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def charge_by_address(request: Request, name: str, per_minute: int) -> None:
    """One unit of the public page ``name`` for the caller's address, or a 429 problem."""
    address = request.client.host if request.client else "unknown"
    charge_public(request, name, address, per_minute)

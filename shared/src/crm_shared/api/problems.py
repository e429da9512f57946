"""RFC 9457 problem details for every error a service returns."""

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from crm_shared.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://crm.example.org/problems/"

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(Exception):
    """Raise anywhere in a request to answer with ``application/problem+json``."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type_: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_ or _default_type(status)
        self.title = title or _TITLES.get(status, "Error")
        self.headers = headers or {}
        self.extensions = extensions

    def body(self, instance: str) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            # A URI reference: whatever the client put in its path comes back percent-encoded.
            "instance": quote(instance, safe="/"),
            **self.extensions,
        }


def not_found(what: str, id_: object) -> Problem:
    return Problem(404, f"{what} {id_} does not exist", type_=TYPE_BASE + "not-found")


def _default_type(status: int) -> str:
    slug = _TITLES.get(status, "error").lower().replace(" ", "-")
    return TYPE_BASE + slug


def problem_from(error: DomainError) -> Problem:
    """The HTTP face of a domain error."""
    return Problem(error.status, error.message, type_=TYPE_BASE + error.code, **error.details)


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.body(request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )


async def send_problem(problem: Problem, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer with ``problem`` from plain ASGI middleware (outside any route)."""
    response = JSONResponse(
        problem.body(scope["path"]),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )
    await response(scope, receive, send)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").partition(";")[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def expected_media_type(request: Request) -> str | None:
    """What the matched route reads: JSON, a form, or nothing."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return None
    if isinstance(route.body_field.field_info, Form):
        return "multipart/form-data"
    return "application/json"


_ACCEPT = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}  # RFC 9110 / RFC 5789


def body_problem(request: Request, exc: RequestValidationError) -> Problem | None:
    """400 for a body that is not JSON at all, 415 for a body of the wrong media type:
    FastAPI reports both as validation errors."""
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        reason = next(e for e in errors if e["type"] == "json_invalid").get("ctx", {})
        return Problem(
            400,
            f"the body is not valid JSON: {reason.get('error', 'cannot parse it')}",
            type_=TYPE_BASE + "malformed-body",
        )
    expected = expected_media_type(request)
    sent = _media_type(request.headers.get("content-type"))
    body_errors = any(error["loc"][:1] == ("body",) for error in errors)
    if expected is None or not body_errors or not sent:
        return None
    matches = _is_json(sent) if expected == "application/json" else sent == expected
    if matches:
        return None
    return Problem(
        415,
        f"send the body as {expected} (got {sent})",
        type_=TYPE_BASE + "unsupported-media-type",
        headers={_ACCEPT[request.method]: expected} if request.method in _ACCEPT else None,
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return problem_response(problem_from(exc), request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        if (problem := body_problem(request, exc)) is not None:
            return problem_response(problem, request)
        errors = [
            {
                "location": ".".join(str(part) for part in error["loc"]),
                "message": error["msg"],
                "type": error["type"],
            }
            for error in exc.errors()
        ]
        summary = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
        problem = Problem(
            422,
            f"the request is not valid: {summary}",
            type_=TYPE_BASE + "validation-error",
            errors=errors,
        )
        return problem_response(problem, request)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        headers = dict(exc.headers or {})
        return problem_response(Problem(exc.status_code, detail, headers=headers), request)

    async def on_stale_data(request: Request, exc: Exception) -> JSONResponse:
        # Another update won between our read and our write (the version column moved).
        problem = Problem(
            412,
            "the record was changed by someone else while this update ran; "
            "read it again and re-apply your change",
            type_=TYPE_BASE + "stale-version",
        )
        return problem_response(problem, request)

    async def on_busy(request: Request, exc: Exception) -> JSONResponse:
        # Every database connection stayed busy for the pool's whole timeout: overload, not
        # a fault of the request; the client may retry.
        log.warning("no database connection free for %s %s", request.method, request.url.path)
        problem = Problem(
            503,
            "the service is too busy to answer now; nothing was changed, try again shortly",
            type_=TYPE_BASE + "busy",
            headers={"Retry-After": "1"},
        )
        return problem_response(problem, request)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        problem = Problem(500, "an unexpected error occurred; nothing was changed")
        return problem_response(problem, request)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(StaleDataError, on_stale_data)
    app.add_exception_handler(PoolTimeoutError, on_busy)
    app.add_exception_handler(Exception, on_unexpected)

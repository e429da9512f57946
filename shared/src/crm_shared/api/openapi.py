"""An OpenAPI document that tells the truth about every answer.

FastAPI documents a route's success and its 422, as ``application/json``. Our services also
answer with the platform's rules (:mod:`crm_shared.api.http_rules`, the problem handlers), so
every operation gets, from its own shape:

- a path parameter: 404 (no such record);
- a body: 400 (not parseable), 413 (over the size limit), 415 (wrong media type), 422;
- query parameters: 422, and 400 for a ``cursor`` this API did not issue;
- ``If-Match``: required; 400 (malformed), 412 (stale), 428 (missing);
- a ``GET`` of one record: an optional ``If-None-Match``, 304, and 400 when malformed;
- a bearer token: 401, 403, and 429 (over the caller's rate limit) with ``Retry-After``,
  ``RateLimit`` and ``RateLimit-Policy``, the last two on its successful answers too (a route
  that declares a 429 itself, such as the token endpoint, gets the same headers);
- every error as ``application/problem+json`` with the :class:`ProblemDetails` schema;
- every free-text string (and property name) with a ``pattern`` that excludes the control
  characters :class:`crm_shared.api.http_rules.PlainText` refuses.

Statuses only a route knows (409 for a duplicate, say) it declares itself with
:func:`problem_responses`.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from crm_shared.api.concurrency import IF_MATCH_PATTERN
from crm_shared.api.problems import PROBLEM_JSON

# The text rule of crm_shared.text as a JSON Schema (ECMA-262) pattern.
PLAIN_TEXT = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
_CONSTRAINED = ("pattern", "format", "enum", "const")


class ValidationIssue(BaseModel):
    location: str = Field(description="where: body.<field>, query.<name>, path, header.<name>")
    message: str
    type: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details; extension members (``errors``, ``duplicates``,
    ``current_etag``, …) depend on the ``type``."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str = Field(description="What went wrong with this request, for a person")
    instance: str = Field(description="The path of the request")
    errors: list[ValidationIssue | dict[str, Any]] | None = Field(
        None,
        description="What was wrong, item by item: on validation errors a ValidationIssue "
        "each; on a CSV import, one entry per refused line (line, errors)",
    )


DESCRIPTIONS = {
    304: "Not modified: the record still has the ETag named in If-None-Match",
    400: "Malformed request: unparseable body, cursor or precondition header",
    401: "No bearer token, or one that does not verify (WWW-Authenticate says why)",
    403: "The token does not hold the permission this operation needs",
    404: "No such record",
    405: "Method not allowed",
    409: "Conflict with the current state",
    412: "Precondition failed: the record has changed since you read it",
    413: "The body is larger than the service accepts",
    415: "The body is not of the media type this operation reads",
    422: "Invalid request: the errors name each field",
    428: "Precondition required: send If-Match with the ETag you read",
    429: "Too many requests: over the caller's rate limit; retry after Retry-After seconds",
    503: "Not ready",
}


def problem_responses(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the problem statuses only it can answer, e.g.
    ``problem_responses(409, s409="a customer like this exists")``."""
    return {
        status: {"description": descriptions.get(f"s{status}", DESCRIPTIONS.get(status, "Error"))}
        for status in statuses
    }


def install_truthful_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["ProblemDetails"] = problem
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _complete_operation(path, method, operation)
    _plain_text_only(document)
    return document


def _plain_text_only(node: Any) -> None:
    """Add :data:`PLAIN_TEXT` to every schema of free text and of property names."""
    if isinstance(node, list):
        for item in node:
            _plain_text_only(item)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "string" in kinds and not _constrained(node):
        node["pattern"] = PLAIN_TEXT
    if ("object" in kinds or "additionalProperties" in node) and "propertyNames" not in node:
        node["propertyNames"] = {"pattern": PLAIN_TEXT}
    for value in node.values():
        _plain_text_only(value)


def _constrained(node: dict[str, Any]) -> bool:
    """A string schema that already says what it takes (a secret is still free text)."""
    return any(key in node for key in _CONSTRAINED) and node.get("format") != "password"


def _complete_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    where = {parameter["in"] for parameter in parameters}
    names = {parameter["name"].lower() for parameter in parameters}
    statuses: set[int] = set()
    if "path" in where:
        statuses |= {404, 422}
    if "query" in where:
        statuses.add(422)
    if "cursor" in names:
        statuses.add(400)
    if "requestBody" in operation:
        statuses |= {400, 413, 415, 422}
    if operation.get("security"):
        # a bearer token is needed, the permission it must hold, and its caller's rate limit
        statuses |= {401, 403, 429}
    if method != "get":
        statuses.add(409)  # the record's state forbids it: erased, a refused transition, …
    if "if-match" in names:
        statuses |= {400, 412, 428}
        for parameter in parameters:
            if parameter["name"].lower() == "if-match":
                parameter["required"] = True
                parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN}
    if method == "get" and "path" in where and "if-none-match" not in names:
        parameters.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "The ETag you hold: 304 if the record still has it; 400 if "
                'it is not `*` or a comma-separated list of entity tags (`"3"`)',
                "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
            }
        )
        statuses.add(400)
        operation["responses"].setdefault("304", {"description": DESCRIPTIONS[304]})
    if not parameters:
        operation.pop("parameters")
    responses: dict[str, Any] = operation["responses"]
    for added in statuses:
        responses.setdefault(str(added), {"description": DESCRIPTIONS[added]})
    if "429" in responses:
        _document_rate_limit_headers(responses)
    for code, response in responses.items():
        if code.isdigit() and int(code) >= 400:
            if int(code) == 422 or response.get("description") == "Validation Error":
                response["description"] = DESCRIPTIONS.get(int(code), response["description"])
            if _declared_by_the_route(response):
                continue  # e.g. OAuth's own error JSON (RFC 6749 §5.2)
            response["content"] = {
                PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
            }


def _header(description: str, *, required: bool = False) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": "string"}}


# draft-ietf-httpapi-ratelimit-headers-11: structured fields (crm_shared.api.ratelimit).
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": _header('The caller\'s quota per window: `"default";q=600;w=60`'),
    "RateLimit": _header(
        'Units left and seconds until the quota is whole again: `"default";r=599;t=1`'
    ),
}


def _document_rate_limit_headers(responses: dict[str, Any]) -> None:
    """The 429's Retry-After and the RateLimit fields, which successful answers carry too
    (absent where rate limits are off)."""
    for code, response in responses.items():
        if code == "429":
            response["headers"] = {
                "Retry-After": _header("Seconds to wait before retrying", required=True),
                **RATE_LIMIT_HEADERS,
            }
        elif code.startswith("2"):
            response.setdefault("headers", {}).update(RATE_LIMIT_HEADERS)


def _declared_by_the_route(response: dict[str, Any]) -> bool:
    """A route that documents its own error body keeps it (FastAPI's validation error
    body is not such a one: we answer problem details instead)."""
    content = response.get("content") or {}
    schemas = [media.get("schema", {}) for media in content.values()]
    return bool(schemas) and all(
        schema and schema.get("$ref") != "#/components/schemas/HTTPValidationError"
        for schema in schemas
    )

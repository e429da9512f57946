"""HTTP rules every service keeps, as plain ASGI middleware (no per-request task group):

- :class:`MethodRules`: ``OPTIONS`` answers ``204`` with an ``Allow`` naming every method the
  path serves; a literal path beats a parameter (``PATCH /v1/customers/duplicates`` is 405,
  not an attempt to read ``duplicates`` as a customer id); every 405 names all the methods.
- :class:`ConditionalGet`: a ``GET`` whose ``If-None-Match`` names the record's current
  ``ETag`` answers ``304 Not Modified`` without a body.
- :class:`BodyLimit`: a body larger than the setting is refused with 413 (by its
  ``Content-Length`` before it is read, or as soon as a streamed body passes the limit).
- :class:`PlainText`: control characters (NUL and the rest, see :mod:`crm_shared.text`) in
  the path, the query or any string of a JSON body are refused with 422.
"""

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote_plus

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.api.concurrency import IF_MATCH_PATTERN
from crm_shared.api.problems import TYPE_BASE, Problem, send_problem
from crm_shared.text import control_character_at, describe_control_character

ALWAYS_ALLOWED = ("OPTIONS",)


def _allow(methods: set[str]) -> str:
    return ", ".join(sorted(methods | set(ALWAYS_ALLOWED)))


class MethodRules:
    """Which methods a path serves is read from the app's OpenAPI document (the public view
    of its routes, included routers and all), once, on the first request."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._templates: list[tuple[re.Pattern[str], set[str]]] | None = None
        self._literal: dict[str, set[str]] = {}

    def templates(self) -> list[tuple[re.Pattern[str], set[str]]]:
        if self._templates is None:
            templates = []
            for path, operations in self.api.openapi().get("paths", {}).items():
                methods = {method.upper() for method in operations if method != "parameters"}
                if "{" not in path:
                    self._literal[path] = methods
                pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
                templates.append((re.compile(f"^{pattern}$"), methods))
            self._templates = templates
        return self._templates

    def literal_paths(self) -> dict[str, set[str]]:
        self.templates()
        return self._literal

    def methods_for(self, path: str) -> set[str]:
        literal = self.literal_paths().get(path)
        if literal is not None:
            return set(literal)
        served: set[str] = set()
        for pattern, methods in self.templates():
            if pattern.match(path):
                served |= methods
        return served

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if method == "OPTIONS":  # a CORS preflight was answered before, by CORSMiddleware
            await self._options(scope, receive, send)
            return
        literal = self.literal_paths().get(path)
        if literal is not None and method not in literal:
            await send_problem(self._not_allowed(method, literal), scope, receive, send)
            return

        async def send_with_full_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                served = self.methods_for(path)  # empty for routes kept out of the document
                if served:
                    headers = [(k, v) for k, v in message["headers"] if k.lower() != b"allow"]
                    message = {
                        **message,
                        "headers": [*headers, (b"allow", _allow(served).encode())],
                    }
            await send(message)

        await self.app(scope, receive, send_with_full_allow)

    async def _options(self, scope: Scope, receive: Receive, send: Send) -> None:
        served = self.methods_for(scope["path"])
        if not served:
            problem = Problem(404, f"nothing is served at {scope['path']}")
            await send_problem(problem, scope, receive, send)
            return
        headers = [(b"allow", _allow(served).encode()), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def _not_allowed(self, method: str, served: set[str]) -> Problem:
        allow = _allow(served)
        return Problem(
            405,
            f"{method} is not allowed here; allowed: {allow}",
            type_=TYPE_BASE + "method-not-allowed",
            headers={"Allow": allow},
        )


# Headers a 304 keeps (RFC 9110 §15.4.5); the body and its description go.
_KEPT_ON_304 = {b"etag", b"cache-control", b"content-location", b"vary", b"date", b"expires"}


class ConditionalGet:
    def __init__(self, app: ASGIApp, keep: Sequence[str] = ()) -> None:
        self.app = app
        self.keep = _KEPT_ON_304 | {name.lower().encode() for name in keep}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        if if_none_match is None:
            await self.app(scope, receive, send)
            return
        if not re.fullmatch(IF_MATCH_PATTERN, if_none_match):
            await self._refuse_if_served(scope, receive, send)
            return
        wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        not_modified = False

        async def send_304_if_unchanged(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = dict(message.get("headers", ()))
                etag = headers.get(b"etag", b"").decode("latin-1").removeprefix("W/")
                if etag and ("*" in wanted or etag in wanted):
                    not_modified = True
                    kept = [(k, v) for k, v in message["headers"] if k.lower() in self.keep]
                    message = {"type": "http.response.start", "status": 304, "headers": kept}
            elif message["type"] == "http.response.body" and not_modified:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, send_304_if_unchanged)

    async def _refuse_if_served(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A malformed If-None-Match is 400, but only where the record would be served: a
        request that is unauthenticated, forbidden or for nothing keeps its own answer."""
        refused = False

        async def refuse_success(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                refused = True
                problem = Problem(
                    400,
                    'If-None-Match must be * or a comma-separated list of entity tags such as "3"',
                    type_=TYPE_BASE + "invalid-if-none-match",
                )
                await send_problem(problem, scope, receive, send)
            elif not refused:
                await send(message)

        await self.app(scope, receive, refuse_success)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than this service accepts ({limit:,} bytes)")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            error = BodyTooLarge(self.max_bytes)
            await send_problem(Problem(413, error.detail), scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)  # a route answers it as a problem
            return message

        await self.app(scope, receive if declared is not None else counted, send)


# Bytes that may stand for a control character in a JSON text: raw DEL, raw C1 (UTF-8
# \xc2\x80-\x9f) or an escape of one (\u0000-\u001f, \u007f-\u009f). Raw C0 bytes make the
# JSON itself invalid (400). A hit is only a suspect: the decoded strings decide.
_SUSPECT = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\\u00[0-1][0-9a-fA-F]|\\u00[7-9][0-9a-fA-F]")


class PlainText:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors = list(_url_errors(scope))
        if not errors and _has_json_body(scope):
            try:
                body, receive = await _buffered(receive)
            except BodyTooLarge as error:
                await send_problem(Problem(413, error.detail), scope, receive, send)
                return
            if _SUSPECT.search(body):
                errors = list(_json_errors(body))
        if errors:
            summary = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
            problem = Problem(
                422,
                f"the request is not valid: {summary}",
                type_=TYPE_BASE + "validation-error",
                errors=errors,
            )
            await send_problem(problem, scope, receive, send)
            return
        await self.app(scope, receive, send)


def _error(location: str, text: str, index: int) -> dict[str, str]:
    where = describe_control_character(text, index)
    return {
        "location": location,
        "message": f"control characters are not accepted ({where})",
        "type": "control_character",
    }


def _url_errors(scope: Scope) -> Iterator[dict[str, str]]:
    path: str = scope["path"]
    if (index := control_character_at(path)) is not None:
        yield _error("path", path, index)
    query = scope.get("query_string", b"")
    if query and (b"%" in query or any(byte < 0x20 or byte == 0x7F for byte in query)):
        for pair in query.decode("latin-1").split("&"):
            name, _, value = pair.partition("=")
            for part in (name, value):
                text = unquote_plus(part, errors="replace")
                if (index := control_character_at(text)) is not None:
                    yield _error(f"query.{_escaped(unquote_plus(name)[:50])}", text, index)
                    return


def _escaped(name: str) -> str:
    """A name as JSON would escape it: a refused one never echoes its control characters."""
    return json.dumps(name)[1:-1]


def _has_json_body(scope: Scope) -> bool:
    if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return False
    content_type = Headers(scope=scope).get("content-type", "")
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a ``receive`` that hands it to the app as if unread."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: the app will see the same
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _json_errors(body: bytes) -> Iterator[dict[str, str]]:
    try:
        document = json.loads(body)
    except ValueError:
        return  # not JSON at all: the route answers 400
    for location, text in _strings(document, "body"):
        if (index := control_character_at(text)) is not None:
            yield _error(location, text, index)


def _strings(value: Any, location: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield location, value
    elif isinstance(value, dict):
        for key, item in value.items():
            named = f"{location}.{_escaped(key)}"
            yield named, key
            yield from _strings(item, named)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _strings(item, f"{location}.{position}")


# OWASP API8 (security misconfiguration): what every answer says about itself. An API answer
# is not a page to sniff, frame or refer from; personal data may be cached only by the
# caller (``private``), and revalidated every time, which keeps ETags useful.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)
DEFAULT_CACHE_CONTROL = (b"cache-control", b"private, no-cache")
# Sent only on answers that came over HTTPS (a proxy in front says so): a browser that saw
# it over plain HTTP would ignore it anyway.
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"
        # What an answer shows depends on who asks (masking, record reach): a cache keeps
        # one variant per token.
        per_caller = any(name == b"authorization" for name, _ in scope["headers"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in present]
                if b"cache-control" not in present:
                    headers.append(DEFAULT_CACHE_CONTROL)
                if secure:
                    headers.append(HSTS)
                message = {**message, "headers": headers}
                if per_caller:
                    MutableHeaders(scope=message).add_vary_header("Authorization")
            await send(message)

        await self.app(scope, receive, with_headers)

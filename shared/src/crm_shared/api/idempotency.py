"""``Idempotency-Key`` on creates: a retried POST returns the first response, never a twin.

The key is optional (a create without one is made as asked, so a retried one can make a
twin). The response is stored in the same transaction as the record it created, so either
both exist or neither. Rules:

- a key is scoped to the method, the route template (``/v1/customers/{customer_id}/contacts``)
  and the caller (the bearer token's subject): the same key on another endpoint, or from
  another caller, is another key, so nobody reads another caller's answer by its key. The
  table holds a SHA-256 of the scope and the key, never the key itself;
- the request's fingerprint is its method, path, query (parameters sorted) and body, a JSON
  body in canonical form (keys sorted, no insignificant whitespace), so a retry that
  serialises the same document differently is the same request;
- the same key with a different request is refused (422).
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete, insert, select

from crm_shared.api.problems import TYPE_BASE, Problem
from crm_shared.db.uow import UnitOfWork

REPLAYED_HEADER = "Idempotency-Replayed"
_KEPT_HEADERS = ("etag", "location")


async def respond_idempotently(
    request: Request,
    uow: UnitOfWork,
    key: str | None,
    action: Callable[[], Awaitable[JSONResponse]],
) -> Response:
    """Run ``action`` (which changes state through ``uow``) once per key, then commit."""
    if key is None:
        response = await action()
        await uow.commit()
        return response
    key = scoped_key(request, key)
    fingerprint = await _fingerprint(request)
    # Optimistic: a key is almost always new, so act first and store the answer with it;
    # looking the key up beforehand would cost every create a statement. A retry (or a
    # concurrent twin) then fails on the key's primary key, or on a rule the first attempt's
    # record now breaks (a strict duplicate check finds it): roll back, answer as the first.
    try:
        response = await action()
        await _store(uow, key, fingerprint, response)
        await uow.commit()
    except Exception:
        await uow.rollback()
        stored = await _stored_response(uow, key, fingerprint)
        if stored is None:
            raise
        return stored
    return response


async def delete_expired_keys(uow: UnitOfWork, older_than: timedelta) -> None:
    table = uow.tables.idempotency_keys
    await uow.session.execute(
        delete(table).where(table.c.created_at < uow.clock.now() - older_than)
    )


def caller_of(request: Request) -> str:
    """The verified caller (``crm_shared.api.auth`` sets it before any route runs)."""
    principal = getattr(request.state, "principal", None)
    return principal.subject if principal is not None else ""


def scoped_key(request: Request, key: str) -> str:
    """What the table stores for a key: a hash of method, route template, caller and key."""
    route = request.scope.get("route")
    template = getattr(route, "path", None) or request.url.path
    scope = "\n".join((request.method, template, caller_of(request), key))
    return hashlib.sha256(scope.encode()).hexdigest()


def canonical_json(body: bytes) -> bytes | None:
    """A JSON document in one spelling (keys sorted, compact); None if it is not JSON."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True
    ).encode()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


async def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    query = urlencode(sorted(parse_qsl(request.url.query, keep_blank_values=True)))
    digest.update(f"{request.method} {request.url.path}?{query}\n".encode())
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if _is_json(content_type.partition(";")[0].strip().lower()):
        body = canonical_json(body) or body
    boundary = _multipart_boundary(content_type)
    if boundary:
        # A client picks a new random boundary for every multipart request, a retry too:
        # the same form must give the same fingerprint.
        body = body.replace(boundary, b"")
    digest.update(body)
    return digest.hexdigest()


def _multipart_boundary(content_type: str) -> bytes | None:
    media_type, _, parameters = content_type.partition(";")
    if media_type.strip().lower() != "multipart/form-data":
        return None
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip('"').encode()
    return None


async def _stored_response(uow: UnitOfWork, key: str, fingerprint: str) -> Response | None:
    table = uow.tables.idempotency_keys
    row = (await uow.session.execute(select(table).where(table.c.key == key))).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise Problem(
            422,
            "this Idempotency-Key was already used for a different request; "
            "use a new key for a new request",
            type_=TYPE_BASE + "idempotency-key-reused",
        )
    headers = json.loads(row.headers)
    headers[REPLAYED_HEADER] = "true"
    return Response(
        content=row.body,
        status_code=row.status_code,
        headers=headers,
        media_type="application/json",
    )


async def _store(uow: UnitOfWork, key: str, fingerprint: str, response: JSONResponse) -> None:
    headers = {k: v for k, v in response.headers.items() if k in _KEPT_HEADERS}
    await uow.session.execute(
        insert(uow.tables.idempotency_keys).values(
            key=key,
            fingerprint=fingerprint,
            status_code=response.status_code,
            body=bytes(response.body),
            headers=json.dumps(headers),
            created_at=uow.clock.now(),
        )
    )

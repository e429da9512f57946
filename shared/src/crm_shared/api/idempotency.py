"""``Idempotency-Key`` on creates: a retried POST returns the first response, never a twin.

The response is stored in the same transaction as the record it created, so either both
exist or neither. A key reused with a different request is refused (422).
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from crm_shared.api.problems import TYPE_BASE, Problem
from crm_shared.db.model import utcnow
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
    fingerprint = await _fingerprint(request)
    stored = await _stored_response(uow, key, fingerprint)
    if stored is not None:
        return stored
    response = await action()
    await _store(uow, key, fingerprint, response)
    try:
        await uow.commit()
    except IntegrityError:
        # A concurrent twin with the same key committed first: answer with its response.
        await uow.rollback()
        stored = await _stored_response(uow, key, fingerprint)
        if stored is None:
            raise
        return stored
    return response


async def delete_expired_keys(uow: UnitOfWork, older_than: timedelta) -> None:
    table = uow.tables.idempotency_keys
    await uow.session.execute(delete(table).where(table.c.created_at < utcnow() - older_than))


async def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}\n".encode())
    body = await request.body()
    boundary = _multipart_boundary(request.headers.get("content-type", ""))
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
            created_at=utcnow(),
        )
    )

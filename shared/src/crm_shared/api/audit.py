"""``GET /v1/audit``: the audit log of this service, for admins (``audit:read``).

Every service includes this router: each keeps the entries of the records it owns."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from crm_shared.api.auth import requires
from crm_shared.api.deps import CursorDep, LimitDep, UnitOfWorkDep
from crm_shared.api.pagination import Page, page_of
from crm_shared.auth.permissions import Permission
from crm_shared.db.audit_log import audit_page
from crm_shared.fields import Instant

router = APIRouter(
    prefix="/v1/audit", tags=["audit"], dependencies=[requires(Permission.AUDIT_READ)]
)


class AuditEntryOut(BaseModel):
    id: int
    occurred_at: datetime
    actor: str = Field(
        description="The caller's token subject (a user id, `client:<client_id>`), or "
        "`system:<service>` for the service's own workers and event consumers"
    )
    actor_kind: str = Field(description="person, client, system or event")
    request_id: str | None = Field(
        description="The correlation id of the request (its `X-Correlation-ID`), event or "
        "timer that made the change"
    )
    record_type: str
    record_id: str
    action: str = Field(
        description="created, changed, deleted, erased, merged, imported, or "
        "`<part>_added` / `_changed` / `_removed` for a part of the record (a tag, a contact)"
    )
    changes: dict[str, list[Any]] = Field(
        description="`{field: [old, new]}`; secrets show as `[secret]`, and a person's values "
        "as `[erased]` once they are erased"
    )


@router.get("", response_model=Page[AuditEntryOut], summary="Who changed what, per record")
async def list_audit_entries(
    uow: UnitOfWorkDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    record: Annotated[
        str | None, Query(max_length=64, description="The record's id (a customer id, ...)")
    ] = None,
    record_type: Annotated[
        str | None, Query(max_length=64, description="customer, user, client, ...")
    ] = None,
    actor: Annotated[
        str | None, Query(max_length=255, description="Only the changes of this subject")
    ] = None,
    since: Annotated[Instant | None, Query(description="Only entries at or after this")] = None,
) -> Page[AuditEntryOut]:
    found = await audit_page(
        uow,
        record_id=record,
        record_type=record_type,
        actor=actor,
        since=since,
        cursor=cursor,
        limit=limit,
    )
    return page_of(found, limit, lambda row: AuditEntryOut.model_validate(row._mapping))

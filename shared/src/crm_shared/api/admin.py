"""Endpoints every service has: its outbox state and replay, and the event catalog."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from crm_shared.api.auth import requires
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.auth.permissions import Permission
from crm_shared.bus.outbox import pending_events, replay_since
from crm_shared.events.catalog import asyncapi_document
from crm_shared.fields import Instant

router = APIRouter(
    prefix="/v1/admin", tags=["operations"], dependencies=[requires(Permission.OPERATIONS)]
)
catalog_router = APIRouter(
    prefix="/v1/events", tags=["events"], dependencies=[requires(Permission.EVENTS_READ)]
)


@catalog_router.get("/catalog", summary="AsyncAPI 3.0 catalog of every event on the bus")
async def event_catalog() -> dict[str, Any]:
    return asyncapi_document()


class OutboxState(BaseModel):
    pending: int


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: Instant


class ReplayResult(BaseModel):
    requeued: int
    since: datetime


@router.get("/outbox", summary="How many events wait to be published")
async def outbox_state(uow: UnitOfWorkDep) -> OutboxState:
    return OutboxState(pending=await pending_events(uow))


@router.post("/outbox/replay", summary="Publish again every kept event written since a time")
async def replay(body: ReplayRequest, uow: UnitOfWorkDep) -> ReplayResult:
    requeued = await replay_since(uow, body.since)
    await uow.commit()
    return ReplayResult(requeued=requeued, since=body.since)

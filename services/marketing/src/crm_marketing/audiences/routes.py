"""/v1/segments/{id}/reach: how many of a segment's members each channel may reach."""

from uuid import UUID

from crm_shared.api.auth import requires
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter
from pydantic import BaseModel, Field

from crm_marketing.audiences import service

router = APIRouter(prefix="/v1/segments", tags=["audiences"])


class ReachOut(BaseModel):
    segment_id: str
    members: int = Field(description="Members of the segment, as analytics last said")
    reachable: dict[str, int] = Field(
        description="Per channel: members who consented, have an address and are not erased "
        "(before the frequency cap and the quiet hours of the moment)"
    )


@router.get(
    "/{segment_id}/reach",
    dependencies=[requires(Permission.CAMPAIGNS_READ)],
    response_model=ReachOut,
    summary="How many of an analytics segment's members each channel may reach",
    description="An unknown segment has no members (marketing learns them from analytics' "
    "membership events, so a new segment's appear within seconds).",
)
async def segment_reach(segment_id: UUID, uow: UnitOfWorkDep) -> ReachOut:
    found = await service.reach(uow, str(segment_id))
    return ReachOut(segment_id=found.segment_id, members=found.members, reachable=found.reachable)

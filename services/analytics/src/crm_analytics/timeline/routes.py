"""GET /v1/profiles/{customer_id}/timeline: the unified timeline, newest first."""

from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.deps import CursorDep, LimitDep, SessionDep
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Response

from crm_analytics.profiles import views
from crm_analytics.timeline.masking import timeline_masked
from crm_analytics.timeline.schemas import TimelinePage

router = APIRouter(
    prefix="/v1/profiles", tags=["timeline"], dependencies=[requires(Permission.PROFILES_READ)]
)


@router.get(
    "/{customer_id}/timeline",
    summary="Every event about a customer, newest first (cursor-paginated)",
    responses={404: {"description": "No such customer"}},
)
async def get_timeline(
    customer_id: UUID,
    session: SessionDep,
    limit: LimitDep,
    response: Response,
    access: AccessDep,
    cursor: CursorDep = None,
) -> TimelinePage:
    page = await views.read_timeline(session, str(customer_id), limit, cursor)
    if page.resolved_from is not None:
        response.headers["Content-Location"] = f"/v1/profiles/{page.customer_id}/timeline"
    return page if access.personal_data else timeline_masked(page)

"""/v1/segments: saved filters over the profiles and their scores, a preview before saving,
the members (a page, or all of them as CSV)."""

from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import PrincipalDep, requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import (
    CursorDep,
    IdempotencyKeyDep,
    LimitDep,
    TotalDep,
    UnitOfWorkDep,
)
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.csv_export import CSV_MEDIA_TYPE, csv_text
from crm_shared.masking import CONTACT_POINTS, mask_fields
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_analytics.segments import service
from crm_analytics.segments.models import Segment
from crm_analytics.segments.repository import MemberRow
from crm_analytics.segments.schemas import (
    FilterFieldOut,
    MemberOut,
    PreviewIn,
    PreviewOut,
    SegmentCreate,
    SegmentOut,
    SegmentPatch,
)
from crm_analytics.segments.vocabulary import filter_fields
from crm_analytics.web import SettingsDep

router = APIRouter(prefix="/v1/segments", tags=["segments"], route_class=IfMatchRoute)

READ = [requires(Permission.ANALYTICS_READ)]
WRITE = [requires(Permission.SEGMENTS_WRITE)]
BAD_FILTER = (
    "an unknown field or operator, a value that does not fit them, or a band the settings "
    "do not name"
)
CSV_COLUMNS = (
    "customer_id", "name", "email", "customer_type", "joined_at", "rfm_segment",
    "value_class", "churn_risk", "monetary_total",
)  # fmt: skip


def segment_out(segment: Segment) -> SegmentOut:
    return SegmentOut(
        id=segment.id,
        name=segment.name,
        description=segment.description,
        filter=segment.filter,
        bands=segment.bands,
        size=segment.member_count,
        created_by=segment.created_by,
        created_at=segment.created_at,
        updated_at=segment.updated_at,
        version=segment.version,
    )


def _segment(segment: Segment, status_code: int = 200) -> JSONResponse:
    return json_response(
        segment_out(segment),
        status_code=status_code,
        version=segment.version,
        location=f"/v1/segments/{segment.id}" if status_code == 201 else None,
    )


def member_out(row: MemberRow, personal_data: bool) -> MemberOut:
    contact = {"email": row.email}
    return MemberOut(
        customer_id=row.customer_id,
        name=row.name,
        email=(contact if personal_data else mask_fields(contact, CONTACT_POINTS))["email"],
        customer_type=row.kind,
        joined_at=row.joined_at,
        rfm_segment=row.rfm_segment,
        value_class=row.value_class,
        churn_risk=row.churn_risk,
        monetary_total=row.monetary_total,
    )


@router.post(
    "/preview",
    dependencies=READ,
    response_model=PreviewOut,
    summary="How many customers a filter selects now, and the first of them (nothing saved)",
    responses=problem_responses(422, s422=BAD_FILTER),
)
async def preview_segment(body: PreviewIn, uow: UnitOfWorkDep, settings: SettingsDep) -> PreviewOut:
    size, sample = await service.preview(uow, body.filter, settings)
    return PreviewOut(size=size, sample=sample)


@router.post(
    "",
    dependencies=WRITE,
    status_code=201,
    response_model=SegmentOut,
    summary="Save a segment: its members are evaluated now, each published as joined",
    description="Only active customers are members. Membership is then kept current as "
    "profiles and scores change; every join and leave is published as "
    "`crm.analytics.segment.membership_changed.v1`. Send an `Idempotency-Key` so that a "
    "retry cannot save it twice.",
    responses=problem_responses(422, s422=BAD_FILTER),
)
async def create_segment(
    body: SegmentCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        segment = await service.create(uow, body, settings, actor=principal.subject)
        return _segment(segment, status_code=201)

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=READ,
    response_model=Page[SegmentOut],
    summary="List the segments (oldest first)",
)
async def list_segments(
    uow: UnitOfWorkDep, limit: LimitDep, cursor: CursorDep = None, total: TotalDep = False
) -> Page[SegmentOut]:
    found = await service.list_segments(uow, cursor, limit, count=total)
    return page_of(found, limit, segment_out)


@router.get(
    "/fields",
    dependencies=READ,
    response_model=list[FilterFieldOut],
    summary="The filter language's fields: kind, operators, and the values each takes here",
    description="The age and spend bands are this service's settings now; fields without "
    "a closed vocabulary (industry, occupation, region, city, tags, the numbers) have "
    "`values` null.",
)
async def list_filter_fields(settings: SettingsDep) -> list[FilterFieldOut]:
    return filter_fields(settings)


@router.get(
    "/{segment_id}",
    dependencies=READ,
    response_model=SegmentOut,
    summary="Read a segment",
    description="The `ETag` names the segment's version (its name, description, filter), "
    "which `If-Match` names on a change; `size` moves with every join and leave without a "
    "new version, so a 304 to `If-None-Match` says the definition is unchanged. The live "
    "count is also `total` of the members list (`?total=true`).",
)
async def get_segment(segment_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    return _segment(await service.load(uow, str(segment_id)))


@router.patch(
    "/{segment_id}",
    dependencies=WRITE,
    response_model=SegmentOut,
    summary="Rename, describe or re-filter a segment (a new filter re-evaluates it)",
    description="A new filter is evaluated over every customer now, with the bands of the "
    "settings now: who no longer matches leaves, who matches joins (each published).",
    responses=problem_responses(422, s422=BAD_FILTER),
)
async def patch_segment(
    segment_id: UUID,
    body: SegmentPatch,
    uow: UnitOfWorkDep,
    expected: ExpectedVersionDep,
    settings: SettingsDep,
) -> JSONResponse:
    segment = await service.patch(uow, str(segment_id), body, expected, settings)
    await uow.commit()
    return _segment(segment)


@router.delete(
    "/{segment_id}",
    dependencies=WRITE,
    status_code=204,
    summary="Delete a segment: every member leaves (each published as left)",
)
async def delete_segment(
    segment_id: UUID, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> Response:
    await service.delete(uow, str(segment_id), expected)
    await uow.commit()
    return Response(status_code=204)


@router.get(
    "/{segment_id}/members",
    dependencies=READ,
    response_model=Page[MemberOut],
    summary="The members of a segment, by customer id",
    description="Without `customers:pii` the e-mail is masked.",
)
async def list_members(
    segment_id: UUID,
    uow: UnitOfWorkDep,
    access: AccessDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[MemberOut]:
    found = await service.members(uow, str(segment_id), cursor, limit, count=total)
    return page_of(found, limit, lambda row: member_out(row, access.personal_data))


@router.get(
    "/{segment_id}/members.csv",
    dependencies=READ,
    response_class=Response,
    responses={200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
    summary="Every member of a segment as CSV (e-mail masked without customers:pii)",
)
async def export_members(segment_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> Response:
    segment, rows = await service.all_members(uow, str(segment_id))
    members = [member_out(row, access.personal_data) for row in rows]
    body = csv_text(
        CSV_COLUMNS,
        (
            [str(value) if value is not None else "" for value in member.model_dump().values()]
            for member in members
        ),
    )
    disposition = f'attachment; filename="segment-{segment.id}.csv"'
    return Response(body, media_type=CSV_MEDIA_TYPE, headers={"Content-Disposition": disposition})

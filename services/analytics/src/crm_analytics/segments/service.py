"""Use cases of segments: preview a filter, save / change / delete a segment, list it and
its members, and keep every segment's membership current (:func:`refresh_membership`).

Membership is evaluated set-based: per segment, the filter AND "among these customers" in
one query, against the stored rows of the same customers; the difference is written in
bulk and every join and leave is published (``SegmentMembershipChanged``). Never commits.
"""

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from crm_shared.contracts.analytics import (
    MembershipChange,
    SegmentEvaluated,
    SegmentMembershipChanged,
)
from crm_shared.contracts.marketing import AudienceRequested
from crm_shared.contracts.segments import conditions_of, parsed, stored
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.db.versioned import FIRST_VERSION
from crm_shared.errors import InvalidError, NotFoundError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_analytics.segments.models import Segment
from crm_analytics.segments.repository import Context, MemberRow, SegmentRepository, where_of
from crm_analytics.segments.rules import (
    CAMPAIGN_SEGMENT_AUTHOR,
    campaign_segment_name,
    membership_changes,
    parse_bands,
)
from crm_analytics.segments.schemas import SegmentCreate, SegmentPatch
from crm_analytics.settings import AnalyticsSettings

SEGMENT_CURSOR = (("created_at", instant), ("id", text))
MEMBER_CURSOR = (("customer_id", text),)
BAND_FIELDS = {"age_band": "age", "spend_band": "spend"}


def bands_of(settings: AnalyticsSettings) -> dict[str, list[str]]:
    return {"age": list(settings.segment_age_bands), "spend": list(settings.segment_spend_bands)}


def unknown_band(node: Any, bands: dict[str, list[str]]) -> str | None:
    """Why the filter cannot be evaluated with these bands (a band they do not name)."""
    for condition, _ in conditions_of(node):
        kind = BAND_FIELDS.get(condition.field)
        if kind is None or condition.value is None or isinstance(condition.value, bool):
            continue
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        unknown = [value for value in values if value not in bands[kind]]
        if unknown:
            return f"{condition.field} {unknown[0]!r} is not a band: {', '.join(bands[kind])}"
    return None


def context_of(node: Any, bands: dict[str, list[str]], today: Any) -> Context:
    """What the filter is evaluated against; a band the bands do not name is refused."""
    problem = unknown_band(node, bands)
    if problem is not None:
        raise InvalidError(problem, location="body.filter", code="unknown-band")
    return Context(
        today,
        parse_bands(bands["age"], whole_years=True),
        parse_bands(bands["spend"], whole_years=False),
    )


async def preview(uow: UnitOfWork, node: Any, settings: AnalyticsSettings) -> tuple[int, list[str]]:
    """How many customers the filter selects now, and the first of them; nothing saved."""
    where = where_of(node, context_of(node, bands_of(settings), uow.clock.now().date()))
    segments = SegmentRepository(uow.session)
    size = await segments.count_matching(where)
    return size, await segments.sample(where, settings.segment_preview_sample)


async def load(uow: UnitOfWork, segment_id: str) -> Segment:
    segment = await SegmentRepository(uow.session).get(segment_id)
    if segment is None:
        raise NotFoundError.of("segment", segment_id)
    return segment


async def create(
    uow: UnitOfWork, body: SegmentCreate, settings: AnalyticsSettings, *, actor: str
) -> Segment:
    """Save the segment and evaluate it over everyone: a ``joined`` event per member."""
    now = uow.clock.now()
    bands = bands_of(settings)
    context_of(body.filter, bands, now.date())  # refuse unknown bands before writing
    segment = Segment(
        id=str(uuid.uuid4()),
        name=body.name,
        description=body.description,
        filter=stored(body.filter),
        bands=bands,
        member_count=0,
        created_by=actor,
        created_at=now,
        updated_at=now,
        version=FIRST_VERSION,
    )
    SegmentRepository(uow.session).add(segment)
    await evaluate(uow, segment, None, now)
    return segment


async def create_requested(
    uow: UnitOfWork, request: AudienceRequested, settings: AnalyticsSettings
) -> None:
    """A campaign's inline audience: the segment with the id marketing chose, evaluated over
    everyone (its joins carry the evaluation's id), then ``segment.evaluated`` with how many
    joined. Once: asked again, the segment is there and nothing happens. A filter these
    settings cannot evaluate saves no segment (it would fail every later refresh) and
    answers with no members and the problem."""
    segments = SegmentRepository(uow.session)
    if await segments.get(request.segment_id) is not None:
        return
    now = uow.clock.now()
    evaluation_id = str(uuid.uuid4())
    bands = bands_of(settings)
    problem = unknown_band(request.filter, bands)
    members = 0
    if problem is None:
        segment = Segment(
            id=request.segment_id,
            name=campaign_segment_name(request.name),
            description=f"The inline audience of campaign {request.campaign_id}",
            filter=stored(request.filter),
            bands=bands,
            member_count=0,
            created_by=CAMPAIGN_SEGMENT_AUTHOR,
            created_at=now,
            updated_at=now,
            version=FIRST_VERSION,
        )
        segments.add(segment)
        await evaluate(uow, segment, None, now, evaluation_id=evaluation_id)
        members = segment.member_count
    uow.record(
        SegmentEvaluated(
            segment_id=request.segment_id,
            evaluation_id=evaluation_id,
            members=members,
            problem=problem,
            evaluated_at=now,
        )
    )


async def patch(
    uow: UnitOfWork,
    segment_id: str,
    body: SegmentPatch,
    expected: ExpectedVersion,
    settings: AnalyticsSettings,
) -> Segment:
    """Rename, describe or re-filter (its next version); a new filter takes the settings'
    bands of now and re-evaluates every customer."""
    segment = await load(uow, segment_id)
    check_version(expected, segment.version)
    now = uow.clock.now()
    sent = body.model_fields_set
    changes: dict[str, Any] = {}
    if "name" in sent and body.name != segment.name:
        changes["name"] = body.name
    if "description" in sent and body.description != segment.description:
        changes["description"] = body.description
    if "filter" in sent and body.filter is not None:
        bands = bands_of(settings)
        context_of(body.filter, bands, now.date())
        if stored(body.filter) != segment.filter or bands != segment.bands:
            changes.update(filter=stored(body.filter), bands=bands)
    if not changes:
        return segment
    for name, value in changes.items():
        setattr(segment, name, value)
    segment.touch(now)
    if "filter" in changes:
        await evaluate(uow, segment, None, now)
    return segment


async def delete(uow: UnitOfWork, segment_id: str, expected: ExpectedVersion) -> None:
    """Every member leaves (a ``left`` event each, so that no one goes on acting on the
    segment), then the segment and its rows go."""
    segment = await load(uow, segment_id)
    check_version(expected, segment.version)
    segments = SegmentRepository(uow.session)
    now = uow.clock.now()
    stored_rows = await segments.memberships(segment.id, None)
    changes = membership_changes((), stored_rows)
    _publish(uow, segment, changes.leaves, MembershipChange.LEFT, now)
    await segments.delete_members(segment.id)
    await uow.session.delete(segment)


async def list_segments(
    uow: UnitOfWork, cursor: str | None, limit: int, *, count: bool
) -> Slice[Segment]:
    segments = SegmentRepository(uow.session)
    after = position_of(cursor, SEGMENT_CURSOR)
    rows = await segments.page((after[0], after[1]) if after else None, limit + 1)
    total = await segments.count() if count else None
    return slice_of(rows, limit, lambda row: (row.created_at, row.id), SEGMENT_CURSOR, total)


async def members(
    uow: UnitOfWork, segment_id: str, cursor: str | None, limit: int, *, count: bool
) -> Slice[MemberRow]:
    segment = await load(uow, segment_id)
    after = position_of(cursor, MEMBER_CURSOR)
    rows = await SegmentRepository(uow.session).members(
        segment.id, after[0] if after else None, limit + 1
    )
    total = segment.member_count if count else None
    return slice_of(rows, limit, lambda row: (row.customer_id,), MEMBER_CURSOR, total)


async def all_members(uow: UnitOfWork, segment_id: str) -> tuple[Segment, list[MemberRow]]:
    segment = await load(uow, segment_id)
    return segment, await SegmentRepository(uow.session).members(segment.id, None, None)


async def refresh_membership(
    uow: UnitOfWork, customer_ids: Collection[str] | None, now: datetime
) -> int:
    """Re-evaluate every segment for ``customer_ids`` only (None: everyone): whoever the
    filter selects now and is not a member joins, whoever is a member and is not selected
    (changed, erased, merged away) leaves. Returns the number of joins and leaves."""
    if customer_ids is not None and not customer_ids:
        return 0
    changed = 0
    for segment in await SegmentRepository(uow.session).everyone():
        changed += await evaluate(uow, segment, customer_ids, now)
    return changed


async def evaluate(
    uow: UnitOfWork,
    segment: Segment,
    customer_ids: Collection[str] | None,
    now: datetime,
    *,
    evaluation_id: str | None = None,
) -> int:
    """One segment over ``customer_ids`` (None: everyone): write and publish the joins and
    leaves (the joins marked with ``evaluation_id`` when given); returns how many there
    were."""
    node = parsed(segment.filter)
    where = where_of(node, context_of(node, segment.bands, now.date()))
    segments = SegmentRepository(uow.session)
    matching = await segments.matching(where, customer_ids)
    changes = membership_changes(matching, await segments.memberships(segment.id, customer_ids))
    if not changes.joins and not changes.leaves:
        return 0
    await segments.write_joins(segment.id, changes.joins, changes.new, now)
    await segments.write_leaves(segment.id, changes.leaves, now)
    segment.member_count += len(changes.joins) - len(changes.leaves)
    _publish(uow, segment, changes.joins, MembershipChange.JOINED, now, evaluation_id)
    _publish(uow, segment, changes.leaves, MembershipChange.LEFT, now)
    return len(changes.joins) + len(changes.leaves)


def _publish(
    uow: UnitOfWork,
    segment: Segment,
    versions: dict[str, int],
    change: MembershipChange,
    now: datetime,
    evaluation_id: str | None = None,
) -> None:
    for customer_id in sorted(versions):
        uow.record(
            SegmentMembershipChanged(
                customer_id=customer_id,
                segment_id=segment.id,
                segment_name=segment.name,
                change=change,
                sequence=versions[customer_id],
                changed_at=now,
                evaluation_id=evaluation_id,
            )
        )

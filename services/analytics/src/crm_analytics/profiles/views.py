"""Reading profiles (the read side of the 360 view). Merged ids resolve to the survivor."""

from datetime import date
from typing import Any

from crm_shared.api.problems import not_found
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.marketing.service import marketing_sections
from crm_analytics.profiles.models import Profile, ProfileContact
from crm_analytics.profiles.repository import ProfileFilter, ProfileRepository
from crm_analytics.profiles.schemas import (
    ConsentOut,
    ContactOut,
    CreditOut,
    LifecycleChangeOut,
    LifecycleOut,
    ProfileOut,
)
from crm_analytics.recommendations.schemas import SuggestionOut
from crm_analytics.recommendations.service import suggestions_for
from crm_analytics.sales.views import read_sales
from crm_analytics.scores.views import read_scores
from crm_analytics.support.views import read_service
from crm_analytics.timeline import service as timeline
from crm_analytics.timeline.schemas import TimelinePage


async def find_profile(session: AsyncSession, customer_id: str) -> tuple[Profile | None, str]:
    """The profile for ``customer_id`` or its survivor, and the id it was found under."""
    profiles = ProfileRepository(session)
    profile = await profiles.get(customer_id)
    if profile is not None:
        return profile, customer_id
    survivor_id = await profiles.survivor_of(customer_id)
    if survivor_id is None:
        return None, customer_id
    return await profiles.get(survivor_id), survivor_id


async def read_profile(
    session: AsyncSession,
    customer_id: str,
    timeline_size: int,
    today: date,
    currency: str,
    suggestions: int,
) -> ProfileOut:
    """``today``: the day orders fall overdue against; ``currency``: the scores';
    ``suggestions``: how many cross-sell suggestions to show."""
    profile, found_id = await find_profile(session, customer_id)
    if profile is None:
        raise not_found("customer profile", customer_id)
    profiles = ProfileRepository(session)
    history = await profiles.lifecycle_history(found_id)
    aliases = await profiles.aliases_of(found_id)
    everyone = [found_id, *aliases]
    return ProfileOut(
        customer_id=found_id,
        resolved_from=customer_id if found_id != customer_id else None,
        merged_ids=aliases,
        status=profile.status,
        version=profile.version,
        kind=profile.kind,
        name=profile.name,
        email=profile.email,
        phone=profile.phone,
        company=profile.company,
        owner=profile.owner,
        source=profile.source,
        tags=profile.tags,
        birth_date=profile.birth_date,
        region=profile.region,
        city=profile.city,
        industry=profile.industry,
        segmentation=profile.segmentation,
        consent={ch: ConsentOut.model_validate(entry) for ch, entry in profile.consent.items()},
        contacts=_contacts(await profiles.contacts_of(found_id)),
        lifecycle=LifecycleOut(
            stage=profile.lifecycle_stage,
            history=[LifecycleChangeOut.model_validate(change) for change in history],
        ),
        credit=CreditOut(
            credit_grade=profile.credit_grade,
            operating_grade=profile.operating_grade,
            basis=profile.credit_basis,
            rated_at=profile.credit_rated_at,
        ),
        sales=await read_sales(session, everyone, today),
        service=await read_service(session, everyone),
        marketing=(await marketing_sections(session, [found_id], {found_id: profile.consent}))[
            found_id
        ],
        scores=await read_scores(session, found_id, currency),
        suggestions=await _suggestions(session, found_id, aliases, suggestions),
        created_at=profile.created_at,
        updated_at=profile.updated_at,
        erased_at=profile.erased_at,
        timeline=await timeline.read_slice(session, found_id, timeline_size),
    )


async def _suggestions(
    session: AsyncSession, customer_id: str, aliases: list[str], limit: int
) -> list[SuggestionOut]:
    if not limit:
        return []
    merged_into = dict.fromkeys(aliases, customer_id)
    found = await suggestions_for(session, [customer_id], limit, merged_into)
    return [SuggestionOut.model_validate(item) for item in found[customer_id]]


def _contacts(rows: list[ProfileContact]) -> list[ContactOut]:
    """Primary first, then by name (case-insensitively; the id breaks ties)."""

    def order(contact: ProfileContact) -> tuple[bool, str, str, str]:
        name = contact.name or ""
        return (not contact.is_primary, name.casefold(), name, contact.contact_id)

    return [
        ContactOut(
            id=contact.contact_id,
            name=contact.name or "",
            email=contact.email,
            phone=contact.phone,
            job_title=contact.job_title,
            department=contact.department,
            buying_roles=list(contact.buying_roles),
            is_primary=contact.is_primary,
        )
        for contact in sorted(rows, key=order)
    ]


async def read_timeline(
    session: AsyncSession, customer_id: str, limit: int, cursor: str | None
) -> TimelinePage:
    profile, found_id = await find_profile(session, customer_id)
    # Events can arrive before the customer's own: their history is shown all the same.
    if profile is None and not await timeline.has_history(session, found_id):
        raise not_found("customer profile", customer_id)
    page = await timeline.read_slice(session, found_id, limit, cursor)
    return TimelinePage(
        customer_id=found_id,
        resolved_from=customer_id if found_id != customer_id else None,
        limit=limit,
        items=page.items,
        next_cursor=page.next_cursor,
    )


BY_ID = (("id", text),)
BY_CHANGE = (("updated_at", instant), ("id", text))


async def list_profiles(
    session: AsyncSession, where: ProfileFilter, limit: int, cursor: str | None, with_total: bool
) -> Slice[Profile]:
    """One page of profiles in id order; with ``updated_since``, oldest change first."""
    by_change = where.updated_since is not None
    fields = BY_CHANGE if by_change else BY_ID

    def position(profile: Profile) -> list[Any]:
        return [profile.updated_at, profile.customer_id] if by_change else [profile.customer_id]

    profiles = ProfileRepository(session)
    rows = await profiles.page(where, limit + 1, position_of(cursor, fields))
    total = await profiles.count(where) if with_total else None
    return slice_of(rows, limit, position, fields, total)

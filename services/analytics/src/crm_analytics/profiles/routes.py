"""GET /v1/profiles and GET /v1/profiles/{customer_id}."""

import hashlib
from typing import Annotated
from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.deps import (
    CursorDep,
    LimitDep,
    RuntimeDep,
    SessionDep,
    TotalDep,
    UpdatedSinceDep,
)
from crm_shared.api.pagination import SYNC_CONTRACT, Page, page_of
from crm_shared.auth.permissions import Permission
from crm_shared.contracts.customer import CustomerKind, CustomerStatus, LifecycleStage
from crm_shared.masking import BIRTH, CONTACT_POINTS, mask_fields
from fastapi import APIRouter, Query
from fastapi.responses import Response

from crm_analytics.profiles import views
from crm_analytics.profiles.repository import ProfileFilter
from crm_analytics.profiles.schemas import ProfileOut, ProfileSummary
from crm_analytics.timeline.masking import timeline_masked
from crm_analytics.web import SettingsDep

router = APIRouter(
    prefix="/v1/profiles", tags=["profiles"], dependencies=[requires(Permission.PROFILES_READ)]
)


@router.get(
    "",
    summary="List profiles, filtered by lifecycle stage, kind, tag or status",
    description=SYNC_CONTRACT
    + " Here `updated_at` is when the event that last changed the profile was recorded; the "
    "margin must also cover how far analytics lags behind the other services.",
)
async def list_profiles(
    session: SessionDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
    updated_since: UpdatedSinceDep = None,
    stage: Annotated[LifecycleStage | None, Query(description="Lifecycle stage")] = None,
    kind: Annotated[CustomerKind | None, Query(description="Kind of customer")] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    status: Annotated[CustomerStatus | None, Query(description="active, merged, erased")] = None,
) -> Page[ProfileSummary]:
    where = ProfileFilter(
        lifecycle_stage=stage.value if stage else None,
        kind=kind.value if kind else None,
        tag=tag,
        status=status.value if status else None,
        updated_since=updated_since,
    )
    found = await views.list_profiles(session, where, limit, cursor, with_total=total)
    return page_of(found, limit, ProfileSummary.model_validate)


@router.get(
    "/{customer_id}",
    response_model=ProfileOut,
    summary="The 360-degree profile of a customer",
    description="A merged customer's id returns the survivor's profile (200, not a redirect) "
    "with `resolved_from` set to the id asked for and `Content-Location` naming the survivor's "
    "profile. An erased customer is an anonymous tombstone.\n\n"
    "`sales` totals the orders and open opportunities of the customer and of every customer "
    "merged into it, per currency (amounts of different currencies are never added up).\n\n"
    "`service` counts the tickets, complaints and missed service-level targets of the "
    "customer and of every customer merged into it, their recovery cost per currency, and "
    "the latest follow-up survey (scores 1 to 5, satisfaction C = score / expected).\n\n"
    "`scores` holds RFM, the ABC and value class, the CLV summary with the BG/NBD and "
    "Gamma-Gamma predictions and the worksheet value, and the churn risk with its reasons, "
    "as of the last scoring run (a new order or ticket rescores the customer at once; "
    "everyone is rescored nightly); its fields are null for a customer without purchases.\n\n"
    "`marketing` counts campaigns received, responses and unsubscribes (per channel); "
    "`suggestions` are cross-sell products from what customers with the same purchases "
    "bought, each with its reason (CRM_ANALYTICS_PROFILE_SUGGESTIONS of them).\n\n"
    "The `ETag` names this exact answer (the profile's version and a digest of what it "
    "shows: contacts, lifecycle history and timeline change without a new version): send it "
    "as `If-None-Match` to get 304 while nothing changed.\n\n"
    "Without `customers:pii` the personal data (e-mail, phone, birth date, the contacts' "
    "e-mails and phones) is masked; the ETag then names the masked answer.",
    responses={404: {"description": "No such customer"}},
)
async def get_profile(
    customer_id: UUID,
    session: SessionDep,
    settings: SettingsDep,
    access: AccessDep,
    runtime: RuntimeDep,
) -> Response:
    # Today by the service's clock (the one its units of work use): when orders fall overdue.
    today = runtime.unit_of_work(read_only=True).clock.now().date()
    profile = await views.read_profile(
        session,
        str(customer_id),
        settings.profile_timeline_size,
        today,
        settings.currency,
        settings.profile_suggestions,
    )
    if not access.personal_data:
        profile = personal_data_masked(profile)
    body = ProfileOut.__pydantic_serializer__.to_json(profile)
    headers = {"ETag": profile_etag(profile.version, body)}
    if profile.resolved_from is not None:
        # Like the other services' customer views: where the record really lives.
        headers["Content-Location"] = f"/v1/profiles/{profile.customer_id}"
    return Response(body, media_type="application/json", headers=headers)


def personal_data_masked(profile: ProfileOut) -> ProfileOut:
    """The profile with its personal data masked (crm_shared.masking): the customer's
    contact points and birth date (also in the segmentation), the contacts' contact points,
    and whatever the timeline's event data carries."""
    return profile.model_copy(
        update={
            **mask_fields({"email": profile.email, "phone": profile.phone}, CONTACT_POINTS),
            "birth_date": None,
            "segmentation": mask_fields(profile.segmentation, BIRTH),
            "contacts": [
                contact.model_copy(
                    update=mask_fields(
                        {"email": contact.email, "phone": contact.phone}, CONTACT_POINTS
                    )
                )
                for contact in profile.contacts
            ],
            "timeline": timeline_masked(profile.timeline),
        }
    )


def profile_etag(version: int, body: bytes) -> str:
    """``"<version>-<digest>"``: the version alone would not do, since a profile answer
    also shows what changes without one (contacts, lifecycle history, the timeline, aliases),
    and a 304 must never hide any of it. The digest is of the answer's bytes, which the model
    writes in one order (its fields', lists already sorted), so equal content digests equal."""
    return f'"{version}-{hashlib.sha256(body).hexdigest()[:20]}"'

"""/v1/leads: create (de-duplicated, scored, routed), search, read, update, disqualify,
convert; /v1/leads/scoring/model: the learnt win probability's model, read and refitted."""

from typing import Annotated, Any
from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page, decode_cursor, encode_cursor
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.masking import CONTACT_POINTS, mask_fields
from fastapi import APIRouter, Depends, Query, Request, Response, params
from fastapi.responses import JSONResponse

from crm_sales.leads import conversion, learning, scoring, service
from crm_sales.leads.models import Lead
from crm_sales.leads.schemas import (
    ConversionOut,
    ConvertIn,
    DisqualifyIn,
    DuplicateOut,
    LeadCreate,
    LeadCreatedOut,
    LeadOut,
    LeadUpdate,
    ScoringModelOut,
    lead_fields,
)
from crm_sales.leads.search import LeadFilter, cursor_values
from crm_sales.web import ActorDep, SettingsDep

router = APIRouter(prefix="/v1/leads", tags=["leads"], route_class=IfMatchRoute)


def location_of(lead_id: str) -> str:
    return f"/v1/leads/{lead_id}"


def lead_values(lead: Lead, *, personal_data: bool) -> dict[str, Any]:
    values = lead_fields(lead)
    return values if personal_data else mask_fields(values, CONTACT_POINTS)


def lead_out(lead: Lead, *, personal_data: bool) -> LeadOut:
    return LeadOut.model_validate(lead_values(lead, personal_data=personal_data))


async def lead_within_reach(lead_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> None:
    """404 for a lead outside the caller's reach, as for one that does not exist."""
    await service.ensure_reachable(uow, str(lead_id), access.scope)


def on_a_lead(permission: Permission) -> list[params.Depends]:
    """The permission first (403 says nothing about the record), then the record's reach,
    before If-Match or the body's rules can tell that a lead exists."""
    return [requires(permission), Depends(lead_within_reach)]


# --- the scoring model (before /{lead_id}, which would take "scoring" for an id) ----------


def model_out(state: scoring.ModelState) -> ScoringModelOut:
    common = {"min_history": state.min_history, "closed_history": state.closed_history}
    if state.model is None:
        return ScoringModelOut(
            trained=False,
            detail=f"no model yet: it is fitted once {state.min_history} converted leads "
            f"have a won or lost opportunity ({state.closed_history} so far)",
            **common,
        )
    model = state.model.model
    return ScoringModelOut(
        trained=True,
        detail=f"logistic regression on {model['n_samples']} closed leads, "
        f"{model['holdout_accuracy']:.0%} right on a hold-out of {model['holdout_size']}",
        trained_at=state.model.trained_at,
        n_samples=model["n_samples"],
        n_won=model["n_won"],
        holdout_accuracy=model["holdout_accuracy"],
        intercept=model["intercept"],
        features=learning.weights_in_words(model),
        **common,
    )


@router.get(
    "/scoring/model",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=ScoringModelOut,
    summary="The learnt win-probability model: its features and their weights in plain words",
)
async def get_scoring_model(uow: UnitOfWorkDep, settings: SettingsDep) -> ScoringModelOut:
    return model_out(await scoring.model_state(uow, settings))


@router.post(
    "/scoring/model",
    dependencies=[requires(Permission.SALES_WRITE)],
    response_model=ScoringModelOut,
    summary="Refit the win-probability model now (and re-score the open leads)",
    responses=problem_responses(
        409, s409="the closed history is too short or one-sided to fit a model"
    ),
)
async def train_scoring_model(uow: UnitOfWorkDep, settings: SettingsDep) -> ScoringModelOut:
    await scoring.train(uow, settings)
    await uow.commit()
    return model_out(await scoring.model_state(uow, settings))


# --- leads -------------------------------------------------------------------------------


@router.post(
    "",
    dependencies=[requires(Permission.SALES_WRITE)],
    status_code=201,
    response_model=LeadCreatedOut,
    summary="Create a lead (scored with its reasons; 409 lead-duplicate for an open twin)",
    description="A lead with the e-mail or phone (compared normalised) of an open lead is "
    "refused with 409 `lead-duplicate` and `duplicate_of` (CRM_SALES_LEAD_DUPLICATES=warn: "
    "created, with `duplicates` and a `Warning` header). A lead with the e-mail or phone of "
    "a known customer gets that `customer_id`. Without `owner` the allocation rules route "
    "it (`routed_by`). Send an `Idempotency-Key` so that a retry cannot create it twice.",
    responses=problem_responses(
        403,
        409,
        s403="no sales:write, or an owner the caller may not assign",
        s409="an open lead has the same e-mail or phone (lead-duplicate)",
    ),
)
async def create_lead(
    body: LeadCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        created = await service.create_lead(uow, body, settings, scope=access.scope)
        lead = created.lead
        out = LeadCreatedOut.model_validate(
            {
                **lead_values(lead, personal_data=access.personal_data),
                "duplicates": [
                    DuplicateOut(id=match.id, matched_on=on) for match, on in created.duplicates
                ],
                "routed_by": created.routed_by,
            }
        )
        headers = {}
        if created.duplicates:
            ids = ", ".join(match.id for match, _ in created.duplicates)
            headers["Warning"] = f'299 crm-sales "possible duplicate of: {ids}"'
        return json_response(
            out,
            status_code=201,
            version=lead.version,
            location=location_of(lead.id),
            headers=headers,
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=Page[LeadOut],
    summary="Search leads (status, owner, source, min_score; by score or creation)",
    description="A rep sees their own leads, their managed teams' and the unowned pool. "
    "Keyset pagination: no lead is lost or repeated between pages.",
)
async def search_leads(
    filters: Annotated[LeadFilter, Query()],
    uow: UnitOfWorkDep,
    limit: LimitDep,
    access: AccessDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[LeadOut]:
    page = await service.search_leads(
        uow, filters, decode_cursor(cursor), limit, access.scope, count=total
    )
    following = page.following
    return Page[LeadOut](
        items=[lead_out(lead, personal_data=access.personal_data) for lead in page.items],
        next_cursor=encode_cursor(cursor_values(following, filters.sort)) if following else None,
        limit=limit,
        total=page.total,
    )


@router.get(
    "/{lead_id}",
    dependencies=on_a_lead(Permission.SALES_READ),
    response_model=LeadOut,
    summary="Read a lead",
)
async def get_lead(lead_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> JSONResponse:
    lead = await service.get_lead(uow, str(lead_id), access.scope)
    return json_response(lead_out(lead, personal_data=access.personal_data), version=lead.version)


@router.patch(
    "/{lead_id}",
    dependencies=on_a_lead(Permission.SALES_WRITE),
    response_model=LeadOut,
    summary="Update a lead's data, owner, or status new -> qualified (re-scored)",
    responses=problem_responses(
        409,
        s409="the lead is closed, the status move is not allowed (the answer names the "
        "allowed ones), or the new e-mail or phone is an open lead's",
    ),
)
async def update_lead(
    lead_id: UUID,
    body: LeadUpdate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
) -> JSONResponse:
    lead = await service.patch_lead(uow, str(lead_id), body, settings, expected, access.scope)
    await uow.commit()
    return json_response(lead_out(lead, personal_data=access.personal_data), version=lead.version)


@router.post(
    "/{lead_id}/disqualify",
    dependencies=on_a_lead(Permission.SALES_WRITE),
    response_model=LeadOut,
    summary="Disqualify a new or qualified lead, with the reason",
    responses=problem_responses(409, s409="the lead is converted or disqualified already"),
)
async def disqualify_lead(
    lead_id: UUID,
    body: DisqualifyIn,
    request: Request,
    uow: UnitOfWorkDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        lead = await service.disqualify(uow, str(lead_id), body.reason, expected, access.scope)
        out = lead_out(lead, personal_data=access.personal_data)
        return json_response(out, version=lead.version)

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.post(
    "/{lead_id}/convert",
    dependencies=on_a_lead(Permission.SALES_WRITE),
    status_code=201,
    response_model=ConversionOut,
    summary="Convert a lead into an opportunity (and, through the customer master, a customer)",
    description="Opens the opportunity and marks the lead converted. `customer_id` is the "
    "lead's customer when it is known; otherwise null until the customer master answers "
    "(it creates the customer or links the existing one), after which the lead and the "
    "opportunity carry it. Converting twice is 409 `lead-converted` naming the opportunity.",
    responses=problem_responses(
        409, s409="converted already (lead-converted, with opportunity_id) or disqualified"
    ),
)
async def convert_lead(
    lead_id: UUID,
    body: ConvertIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        done = await conversion.convert(
            uow, str(lead_id), body, settings, expected, access.scope, actor
        )
        lead = done.lead
        out = ConversionOut(
            opportunity_id=done.opportunity.id,
            customer_id=lead.customer_id,
            lead=lead_out(lead, personal_data=access.personal_data),
        )
        return json_response(
            out,
            status_code=201,
            version=lead.version,
            location=f"/v1/opportunities/{done.opportunity.id}",
        )

    return await respond_idempotently(request, uow, idempotency_key, action)

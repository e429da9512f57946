"""/v1/customers/{id}/consent: grant or withdraw per channel; current state and history."""

from uuid import UUID

from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.contracts.customer import ConsentChannel
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from crm_customer.consent import service
from crm_customer.consent.schemas import (
    ChannelConsent,
    ConsentDecisionIn,
    ConsentDecisionOut,
    ConsentOut,
)
from crm_customer.consent.service import ConsentState
from crm_customer.web import ActorDep, on_a_customer

router = APIRouter(
    prefix="/v1/customers/{customer_id}/consent", tags=["consent"], route_class=IfMatchRoute
)


def consent_out(state: ConsentState) -> ConsentOut:
    current = {
        channel: ChannelConsent(
            granted=record.granted if record else None,
            decided_at=record.decided_at if record else None,
            source=record.source if record else None,
            method=record.method if record else None,
        )
        for channel, record in state.current.items()
    }
    return ConsentOut(
        customer_id=state.customer.id,
        version=state.customer.version,
        current=current,
        history=[
            ConsentDecisionOut.model_validate(record, from_attributes=True)
            for record in state.history
        ],
    )


@router.get(
    "",
    dependencies=on_a_customer(Permission.CUSTOMERS_READ),
    response_model=ConsentOut,
    summary="Current consent per channel and history",
)
async def get_consent(customer_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    state = await service.get_consent(uow, str(customer_id))
    return json_response(consent_out(state), version=state.customer.version)


@router.put(
    "/{channel}",
    dependencies=on_a_customer(Permission.CUSTOMERS_WRITE),
    response_model=ConsentOut,
    summary="Record a grant or withdrawal of consent for one channel",
    description="If-Match: the customer's ETag (from the customer or its consent).",
)
async def put_consent(
    customer_id: UUID,
    channel: ConsentChannel,
    body: ConsentDecisionIn,
    uow: UnitOfWorkDep,
    expected: ExpectedVersionDep,
    actor: ActorDep = None,
) -> JSONResponse:
    state = await service.record_decision(uow, str(customer_id), channel, body, actor, expected)
    await uow.commit()  # gives the new decision its id, which the history shows
    return json_response(consent_out(state), version=state.customer.version)

"""/v1/customers/{id}/consent: grant or withdraw per channel; current state and history."""

from uuid import UUID

from crm_shared.api.deps import IfMatchDep, UnitOfWorkDep
from crm_shared.contracts.customer import ConsentChannel
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from crm_customer.consent.schemas import (
    ChannelConsent,
    ConsentDecisionIn,
    ConsentDecisionOut,
    ConsentOut,
)
from crm_customer.consent.service import current_record, record_decision
from crm_customer.customers.models import Customer
from crm_customer.customers.service import load
from crm_customer.web import ActorDep, check_if_match, json_response

router = APIRouter(prefix="/v1/customers/{customer_id}/consent", tags=["consent"])


def consent_out(customer: Customer) -> ConsentOut:
    current = {}
    for channel in ConsentChannel:
        record = current_record(customer, channel)
        current[channel] = ChannelConsent(
            granted=record.granted if record else None,
            decided_at=record.decided_at if record else None,
            source=record.source if record else None,
            method=record.method if record else None,
        )
    history = [
        ConsentDecisionOut.model_validate(record, from_attributes=True)
        for record in sorted(customer.consent_records, key=lambda r: (r.decided_at, r.id))
    ]
    return ConsentOut(
        customer_id=customer.id, version=customer.version, current=current, history=history
    )


@router.get("", response_model=ConsentOut, summary="Current consent per channel and history")
async def get_consent(customer_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    return json_response(consent_out(customer), version=customer.version)


@router.put(
    "/{channel}",
    response_model=ConsentOut,
    summary="Record a grant or withdrawal of consent for one channel",
)
async def put_consent(
    customer_id: UUID,
    channel: ConsentChannel,
    body: ConsentDecisionIn,
    uow: UnitOfWorkDep,
    actor: ActorDep = None,
    if_match: IfMatchDep = None,
) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    check_if_match(if_match, customer.version)
    await record_decision(uow, customer, channel, body, actor)
    await uow.commit()
    return json_response(consent_out(customer), version=customer.version)

"""/v1/customers/{id}/contacts: the people at a business customer and their buying roles."""

from uuid import UUID

from crm_shared.api.concurrency import require_if_match
from crm_shared.api.deps import IdempotencyKeyDep, IfMatchDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.contacts.models import Contact
from crm_customer.contacts.repository import ContactRepository
from crm_customer.contacts.schemas import ContactCreate, ContactOut, ContactUpdate
from crm_customer.contacts.service import (
    add_contact,
    load_contact,
    remove_contact,
    update_contact,
)
from crm_customer.customers.service import load
from crm_customer.web import SettingsDep, check_if_match, json_response

router = APIRouter(prefix="/v1/customers/{customer_id}/contacts", tags=["contacts"])


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut.model_validate(contact, from_attributes=True)


@router.post("", status_code=201, response_model=ContactOut, summary="Add a contact")
async def create_contact(
    customer_id: UUID,
    body: ContactCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        customer = await load(uow, str(customer_id))
        contact = await add_contact(uow, customer, body, settings)
        return json_response(
            contact_out(contact),
            status_code=201,
            version=contact.version,
            location=f"/v1/customers/{customer.id}/contacts/{contact.id}",
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get("", response_model=list[ContactOut], summary="The contacts of a customer")
async def list_contacts(customer_id: UUID, uow: UnitOfWorkDep) -> list[ContactOut]:
    customer = await load(uow, str(customer_id))
    return [contact_out(c) for c in await ContactRepository(uow.session).of_customer(customer.id)]


@router.get("/{contact_id}", response_model=ContactOut, summary="One contact")
async def get_contact(customer_id: UUID, contact_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    contact = await load_contact(uow, customer, str(contact_id))
    return json_response(contact_out(contact), version=contact.version)


@router.patch("/{contact_id}", response_model=ContactOut, summary="Update a contact")
async def patch_contact(
    customer_id: UUID,
    contact_id: UUID,
    body: ContactUpdate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    if_match: IfMatchDep = None,
) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    contact = await load_contact(uow, customer, str(contact_id))
    require_if_match(if_match, contact.version)
    await update_contact(uow, customer, contact, body, settings)
    await uow.commit()
    return json_response(contact_out(contact), version=contact.version)


@router.delete("/{contact_id}", status_code=204, summary="Remove a contact")
async def delete_contact(
    customer_id: UUID, contact_id: UUID, uow: UnitOfWorkDep, if_match: IfMatchDep = None
) -> Response:
    customer = await load(uow, str(customer_id))
    contact = await load_contact(uow, customer, str(contact_id))
    check_if_match(if_match, contact.version)
    await remove_contact(uow, customer, contact)
    await uow.commit()
    return Response(status_code=204)

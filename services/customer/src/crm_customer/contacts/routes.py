"""/v1/customers/{id}/contacts: the people at a business customer and their buying roles."""

import functools
from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.masking import CONTACT_POINTS, mask_fields
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.contacts import service
from crm_customer.contacts.models import Contact
from crm_customer.contacts.schemas import ContactCreate, ContactOut, ContactUpdate
from crm_customer.web import SettingsDep, on_a_customer

router = APIRouter(
    prefix="/v1/customers/{customer_id}/contacts", tags=["contacts"], route_class=IfMatchRoute
)


def contact_out(contact: Contact, *, personal_data: bool) -> ContactOut:
    """The contact; without ``personal_data`` its e-mail and phone masked."""
    out = ContactOut.model_validate(contact, from_attributes=True)
    if personal_data:
        return out
    return out.model_copy(
        update=mask_fields(out.model_dump(include=set(CONTACT_POINTS)), CONTACT_POINTS)
    )


def location_of(contact: Contact) -> str:
    return f"/v1/customers/{contact.customer_id}/contacts/{contact.id}"


@router.post(
    "",
    dependencies=on_a_customer(Permission.CUSTOMERS_WRITE),
    status_code=201,
    response_model=ContactOut,
    summary="Add a contact",
)
async def create_contact(
    customer_id: UUID,
    body: ContactCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        contact = await service.add_contact(uow, str(customer_id), body, settings)
        return json_response(
            contact_out(contact, personal_data=access.personal_data),
            status_code=201,
            version=contact.version,
            location=location_of(contact),
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=on_a_customer(Permission.CUSTOMERS_READ),
    response_model=Page[ContactOut],
    summary="The contacts of a customer, oldest first",
)
async def list_contacts(
    customer_id: UUID,
    uow: UnitOfWorkDep,
    limit: LimitDep,
    access: AccessDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[ContactOut]:
    found = await service.list_contacts(uow, str(customer_id), cursor, limit, count=total)
    return page_of(found, limit, functools.partial(contact_out, personal_data=access.personal_data))


@router.get(
    "/{contact_id}",
    dependencies=on_a_customer(Permission.CUSTOMERS_READ),
    response_model=ContactOut,
    summary="One contact",
)
async def get_contact(
    customer_id: UUID, contact_id: UUID, uow: UnitOfWorkDep, access: AccessDep
) -> JSONResponse:
    contact = await service.get_contact(uow, str(customer_id), str(contact_id))
    out = contact_out(contact, personal_data=access.personal_data)
    return json_response(out, version=contact.version)


@router.patch(
    "/{contact_id}",
    dependencies=on_a_customer(Permission.CUSTOMERS_WRITE),
    response_model=ContactOut,
    summary="Update a contact",
)
async def patch_contact(
    customer_id: UUID,
    contact_id: UUID,
    body: ContactUpdate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
) -> JSONResponse:
    contact = await service.update_contact(
        uow, str(customer_id), str(contact_id), body, settings, expected
    )
    await uow.commit()
    out = contact_out(contact, personal_data=access.personal_data)
    return json_response(out, version=contact.version)


@router.delete(
    "/{contact_id}",
    dependencies=on_a_customer(Permission.CUSTOMERS_WRITE),
    status_code=204,
    summary="Remove a contact",
)
async def delete_contact(
    customer_id: UUID, contact_id: UUID, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> Response:
    await service.remove_contact(uow, str(customer_id), str(contact_id), expected)
    await uow.commit()
    return Response(status_code=204)

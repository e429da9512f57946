"""/v1/clients: partner clients (admin only). The secret is in the create and rotate answers
only (``Cache-Control: no-store``). Create takes no ``Idempotency-Key``: a replay would have
to store the answer, secret included; a lost answer is repaired by rotating the secret."""

from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from crm_identity.clients import service
from crm_identity.clients.models import PartnerClient
from crm_identity.clients.schemas import ClientCreate, ClientOut, ClientUpdate, ClientWithSecret
from crm_identity.web import ADMIN_ONLY, NO_STORE, SettingsDep

router = APIRouter(
    prefix="/v1/clients",
    tags=["partner clients"],
    route_class=IfMatchRoute,
    dependencies=ADMIN_ONLY,
)


def client_out(client: PartnerClient) -> ClientOut:
    return ClientOut(
        client_id=client.id,
        name=client.name,
        scopes=list(client.scopes),
        owner_id=client.owner_id,
        rate_limit_per_minute=client.rate_limit_per_minute,
        revoked_at=client.revoked_at,
        version=client.version,
        created_at=client.created_at,
        updated_at=client.updated_at,
    )


def with_secret(client: PartnerClient, secret: str) -> ClientWithSecret:
    return ClientWithSecret(**client_out(client).model_dump(), client_secret=secret)


@router.post(
    "",
    status_code=201,
    response_model=ClientWithSecret,
    summary="Register a partner client (its secret is shown in this answer only)",
)
async def create_client(
    body: ClientCreate, uow: UnitOfWorkDep, settings: SettingsDep
) -> JSONResponse:
    client, secret = await service.create_client(uow, body, settings.client_rate_limit_default)
    await uow.commit()
    return json_response(
        with_secret(client, secret),
        status_code=201,
        version=client.version,
        location=f"/v1/clients/{client.id}",
        headers=NO_STORE,
    )


@router.get("", response_model=Page[ClientOut], summary="The partner clients, oldest first")
async def list_clients(
    uow: UnitOfWorkDep, limit: LimitDep, cursor: CursorDep = None, total: TotalDep = False
) -> Page[ClientOut]:
    found = await service.list_clients(uow, cursor, limit, count=total)
    return page_of(found, limit, client_out)


@router.get("/{client_id}", response_model=ClientOut, summary="One partner client")
async def get_client(client_id: str, uow: UnitOfWorkDep) -> JSONResponse:
    client = await service.get_client(uow, client_id)
    return json_response(client_out(client), version=client.version)


@router.patch(
    "/{client_id}",
    response_model=ClientOut,
    summary="Change a client's name, scopes, owner or rate limit (from its next token on)",
)
async def patch_client(
    client_id: str, body: ClientUpdate, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    client = await service.update_client(uow, client_id, body, expected)
    await uow.commit()
    return json_response(client_out(client), version=client.version)


@router.post(
    "/{client_id}/revoke",
    response_model=ClientOut,
    summary="Revoke a client: it gets no new token (issued ones live until they expire)",
)
async def revoke_client(
    client_id: str, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    client = await service.revoke_client(uow, client_id, expected)
    await uow.commit()
    return json_response(client_out(client), version=client.version)


@router.post(
    "/{client_id}/secret",
    response_model=ClientWithSecret,
    summary="Give a client a new secret (shown once; the old one stops working)",
)
async def rotate_secret(
    client_id: str, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    client, secret = await service.rotate_secret(uow, client_id, expected)
    await uow.commit()
    return json_response(with_secret(client, secret), version=client.version, headers=NO_STORE)

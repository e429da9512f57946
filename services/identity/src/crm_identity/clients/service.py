"""Partner clients: created with a generated secret (returned once, stored as a scrypt
hash), listed, changed, revoked, and given a new secret (the old one stops working at once).

Creating, changing and revoking are published (``crm.identity.client_created.v1``,
``client_changed.v1``, ``client_revoked.v1``, keyed by the client id) in the same unit of
work; the events carry a :class:`ClientSnapshot`, which has no secret material. A new secret
publishes nothing (as a user's new password does not).
"""

import secrets
from typing import Any

from crm_shared.contracts.identity import ClientChanged, ClientCreated, ClientRevoked
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, NotFoundError, UnknownReferenceError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_identity.clients.models import PartnerClient
from crm_identity.clients.repository import ClientRepository
from crm_identity.clients.schemas import ClientCreate, ClientUpdate
from crm_identity.db import FIRST_VERSION
from crm_identity.hashing import hash_secret, new_secret, verify_secret
from crm_identity.users.repository import UserRepository

CLIENT_ORDER = (("created_at", instant), ("id", text))
CLIENT_ID_PREFIX = "cl_"


async def list_clients(
    uow: UnitOfWork, cursor: str | None, limit: int, *, count: bool = False
) -> Slice[PartnerClient]:
    clients = ClientRepository(uow.session)
    rows = await clients.page(position_of(cursor, CLIENT_ORDER), limit + 1)
    total = await clients.count() if count else None
    return slice_of(rows, limit, lambda c: (c.created_at, c.id), CLIENT_ORDER, total)


async def get_client(uow: UnitOfWork, client_id: str) -> PartnerClient:
    client = await ClientRepository(uow.session).get(client_id)
    if client is None:
        raise NotFoundError.of("client", client_id)
    return client


async def create_client(
    uow: UnitOfWork, body: ClientCreate, default_rate_limit: int
) -> tuple[PartnerClient, str]:
    """The new client and its secret (the only time the secret exists in clear)."""
    await _check_owner(uow, body.owner_id)
    secret = new_secret()
    now = uow.clock.now()
    client = PartnerClient(
        id=CLIENT_ID_PREFIX + secrets.token_hex(12),
        name=body.name,
        secret_hash=hash_secret(secret),
        scopes=list(body.scopes),
        owner_id=body.owner_id,
        rate_limit_per_minute=body.rate_limit_per_minute or default_rate_limit,
        revoked_at=None,
        version=FIRST_VERSION,
        created_at=now,
        updated_at=now,
    )
    ClientRepository(uow.session).add(client)
    uow.record(
        ClientCreated(client_id=client.id, client_version=client.version, client=client.snapshot())
    )
    return client, secret


async def update_client(
    uow: UnitOfWork, client_id: str, body: ClientUpdate, expected: ExpectedVersion
) -> PartnerClient:
    """Change a client's name, scopes, owner or rate limit (not a revoked one's: revoking is
    final). Scopes and rate limit apply from its next token."""
    client = await get_client(uow, client_id)
    check_version(expected, client.version)
    _refuse_if_revoked(client)
    values: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "owner_id" in values and values["owner_id"] != client.owner_id:
        await _check_owner(uow, values["owner_id"])
    changed = []
    for field, value in values.items():
        if getattr(client, field) != value:
            setattr(client, field, value)
            changed.append(field)
    if changed:
        client.touch(uow.clock.now())
        uow.record(
            ClientChanged(
                client_id=client.id,
                client_version=client.version,
                changed_fields=sorted(changed),
                client=client.snapshot(),
            )
        )
    return client


async def revoke_client(
    uow: UnitOfWork, client_id: str, expected: ExpectedVersion
) -> PartnerClient:
    client = await get_client(uow, client_id)
    check_version(expected, client.version)
    if client.revoked_at is None:
        now = uow.clock.now()
        client.revoked_at = now
        client.touch(now)
        uow.record(
            ClientRevoked(
                client_id=client.id, client_version=client.version, client=client.snapshot()
            )
        )
    return client


async def rotate_secret(
    uow: UnitOfWork, client_id: str, expected: ExpectedVersion
) -> tuple[PartnerClient, str]:
    client = await get_client(uow, client_id)
    check_version(expected, client.version)
    _refuse_if_revoked(client)
    secret = new_secret()
    client.secret_hash = hash_secret(secret)
    client.touch(uow.clock.now())
    return client, secret


async def authenticate_client(uow: UnitOfWork, client_id: str, secret: str) -> PartnerClient | None:
    """The client, if the secret is its current one and it is not revoked; else None."""
    client = await ClientRepository(uow.session).get(client_id)
    stored = client.secret_hash if client is not None else None
    if not verify_secret(secret, stored) or client is None or client.revoked:
        return None
    return client


async def _check_owner(uow: UnitOfWork, owner_id: str) -> None:
    owner = await UserRepository(uow.session).get(owner_id)
    if owner is None or not owner.active:
        raise UnknownReferenceError(
            f"user {owner_id} does not exist or is not active", location="body.owner_id"
        )


def _refuse_if_revoked(client: PartnerClient) -> None:
    if client.revoked:
        raise ConflictError(f"client {client.id} is revoked", code="client-revoked")

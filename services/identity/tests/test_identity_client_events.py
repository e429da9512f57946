"""Partner clients are published: created, changed (name, scopes, owner, rate limit) and
revoked, one event each, keyed by the client id, in the unit of work of the change, and never
with the secret or its hash."""

from typing import Any

import httpx
from crm_shared.contracts.identity import ClientChanged, ClientCreated, ClientRevoked
from crm_shared.events.registry import IntegrationEvent
from crm_shared.testing import FakeClock
from fastapi import FastAPI

from services.identity.tests.identity_helpers import (
    client_row,
    make_partner,
    make_user,
    outbox_events,
)

SNAPSHOT_FIELDS = {
    "id",
    "name",
    "scopes",
    "owner_id",
    "rate_limit_per_minute",
    "revoked_at",
    "version",
    "created_at",
    "updated_at",
}


async def client_events(app: FastAPI) -> list[tuple[str, str, dict[str, Any], IntegrationEvent]]:
    return [event for event in await outbox_events(app) if ".client_" in event[0]]


def assert_no_secret(raw: dict[str, Any], *secrets: str) -> None:
    text = str(raw)
    assert "secret" not in text
    assert "scrypt" not in text
    for secret in secrets:
        assert secret not in text


async def test_creating_changing_and_revoking_a_client_publish_one_event_each(
    admin: httpx.AsyncClient, identity_app: FastAPI, clock: FakeClock
) -> None:
    partner = await make_partner(admin, ["customers:read"], rate_limit_per_minute=120)
    client_id, secret = partner["client_id"], partner["client_secret"]
    row = await client_row(identity_app, client_id)
    (created,) = await client_events(identity_app)
    type_, key, raw, payload = created
    assert (type_, key) == ("crm.identity.client_created.v1", client_id)
    assert isinstance(payload, ClientCreated)
    assert (payload.client_id, payload.client_version) == (client_id, 1)
    assert set(raw["client"]) == SNAPSHOT_FIELDS
    assert payload.client.scopes == ["customers:read"]
    assert payload.client.rate_limit_per_minute == 120
    assert payload.client.owner_id == partner["owner_id"]
    assert payload.client.revoked_at is None
    assert_no_secret(raw, secret, row.secret_hash)

    clock.advance(minutes=1)
    owner = await make_user(admin, "owner@example.com", "owner-password-long")
    change = {
        "name": "Partner Ltd",
        "scopes": ["customers:read", "webhooks:manage"],
        "owner_id": owner["id"],
        "rate_limit_per_minute": 60,
    }
    changed = await admin.patch(
        f"/v1/clients/{client_id}", json=change, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert {name: changed.json()[name] for name in change} == change
    events = await client_events(identity_app)
    assert len(events) == 2
    type_, key, raw, payload = events[1]
    assert (type_, key) == ("crm.identity.client_changed.v1", client_id)
    assert isinstance(payload, ClientChanged)
    assert payload.changed_fields == sorted(change)
    assert payload.client_version == 2
    assert payload.client.model_dump(include=set(change)) == change
    assert payload.client.updated_at == clock.now()
    assert_no_secret(raw, secret, row.secret_hash)

    # Nothing changed, nothing published; a new secret is not published either.
    same = await admin.patch(
        f"/v1/clients/{client_id}", json={"name": "Partner Ltd"}, headers={"If-Match": "*"}
    )
    assert (same.status_code, same.headers["etag"]) == (200, '"2"')
    rotated = await admin.post(f"/v1/clients/{client_id}/secret", headers={"If-Match": "*"})
    assert rotated.status_code == 200, rotated.text
    assert len(await client_events(identity_app)) == 2

    revoked = await admin.post(f"/v1/clients/{client_id}/revoke", headers={"If-Match": '"3"'})
    assert revoked.status_code == 200, revoked.text
    again = await admin.post(f"/v1/clients/{client_id}/revoke", headers={"If-Match": "*"})
    assert again.status_code == 200  # already revoked: no second event
    events = await client_events(identity_app)
    assert [(type_, key) for type_, key, _, _ in events] == [
        ("crm.identity.client_created.v1", client_id),
        ("crm.identity.client_changed.v1", client_id),
        ("crm.identity.client_revoked.v1", client_id),
    ]
    _, _, raw, payload = events[2]
    assert isinstance(payload, ClientRevoked)
    assert payload.client_version == 4
    assert payload.client.revoked_at == clock.now()
    assert payload.client.name == "Partner Ltd"
    new_hash = (await client_row(identity_app, client_id)).secret_hash
    assert_no_secret(raw, secret, rotated.json()["client_secret"], new_hash)


async def test_a_change_is_checked_and_a_revoked_client_cannot_change(
    admin: httpx.AsyncClient, identity_app: FastAPI
) -> None:
    partner = await make_partner(admin, ["customers:read"])
    url = f"/v1/clients/{partner['client_id']}"
    assert (await admin.patch(url, json={"name": "X"})).status_code == 428
    for body in ({"name": None}, {"scopes": []}, {"scopes": ["everything"]}, {"secret": "x"}):
        refused = await admin.patch(url, json=body, headers={"If-Match": "*"})
        assert refused.status_code == 422, (body, refused.text)
    unknown_owner = await admin.patch(
        url, json={"owner_id": "00000000-0000-4000-8000-000000000000"}, headers={"If-Match": "*"}
    )
    assert unknown_owner.status_code == 422
    missing = await admin.patch(
        "/v1/clients/cl_nobody", json={"name": "X"}, headers={"If-Match": "*"}
    )
    assert missing.status_code == 404
    await admin.post(f"{url}/revoke", headers={"If-Match": "*"})
    refused = await admin.patch(url, json={"name": "X"}, headers={"If-Match": "*"})
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/client-revoked")
    types = [type_ for type_, _, _, _ in await client_events(identity_app)]
    assert types == ["crm.identity.client_created.v1", "crm.identity.client_revoked.v1"]

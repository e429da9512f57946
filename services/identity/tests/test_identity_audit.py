"""The identity service's audit log: users, partner clients and webhook subscriptions, with
the admin who changed them, and never a password hash or a secret."""

from typing import Any

import httpx
import jwt

from services.identity.tests.identity_helpers import make_partner, make_user


async def audit_of(admin: httpx.AsyncClient, record: str) -> list[dict[str, Any]]:
    response = await admin.get("/v1/audit", params={"record": record})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["items"]
    return entries


async def test_user_changes_are_audited_without_the_password(
    admin: httpx.AsyncClient, admin_token: str
) -> None:
    admin_id = jwt.decode(admin_token, options={"verify_signature": False})["sub"]
    user = await make_user(admin, "ann@example.com", "ann-password-long")
    changed = await admin.patch(
        f"/v1/users/{user['id']}",
        json={"role": "analyst", "password": "another-password-long"},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text

    created, updated = await audit_of(admin, user["id"])
    assert (created["record_type"], created["action"]) == ("user", "created")
    assert (created["actor"], created["actor_kind"]) == (admin_id, "person")
    assert created["changes"]["email"] == [None, "ann@example.com"]
    assert created["changes"]["password_hash"] == [None, "[secret]"]
    assert updated["action"] == "changed"
    assert updated["changes"]["role"] == ["sales", "analyst"]
    assert updated["changes"]["password_hash"] == ["[secret]", "[secret]"]
    assert "scrypt" not in str([created, updated])


async def test_partner_client_secrets_stay_out_of_the_audit_log(admin: httpx.AsyncClient) -> None:
    partner = await make_partner(admin, ["customers:read"])
    client_id = partner["client_id"]
    rotated = await admin.post(f"/v1/clients/{client_id}/secret", headers={"If-Match": '"1"'})
    assert rotated.status_code == 200, rotated.text
    entries = await audit_of(admin, client_id)
    assert [entry["record_type"] for entry in entries] == ["client"] * len(entries)
    assert entries[0]["changes"]["scopes"] == [None, ["customers:read"]]
    text = str(entries)
    for secret in (partner["client_secret"], rotated.json()["client_secret"]):
        assert secret not in text
    assert entries[-1]["changes"]["secret_hash"] == ["[secret]", "[secret]"]


async def test_the_audit_log_is_for_admins(
    admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    partner = await make_partner(admin, ["customers:read"])
    token = (
        await client.post(
            "/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": partner["client_id"],
                "client_secret": partner["client_secret"],
            },
        )
    ).json()["access_token"]
    refused = await client.get("/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403

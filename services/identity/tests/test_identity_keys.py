"""Signing-key rotation with overlap, and the shared TokenVerifier's refusals."""

import uuid
from typing import Any

import httpx
import jwt
import pytest
from crm_identity.settings import IdentitySettings
from crm_shared.auth import TokenVerifier, Unauthenticated
from crm_shared.testing import FakeClock
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from services.identity.tests.identity_helpers import (
    AUDIENCE,
    ISSUER,
    client_token_response,
    jwks_of,
    make_partner,
    sealer_of,
)


def verifier_for(http: httpx.AsyncClient, clock: FakeClock, **kwargs: Any) -> TokenVerifier:
    async def provider() -> dict[str, Any]:
        return await jwks_of(http)

    return TokenVerifier(
        kwargs.get("issuer", ISSUER), kwargs.get("audience", AUDIENCE), provider, clock=clock
    )


async def partner_token(admin: httpx.AsyncClient) -> str:
    partner = await make_partner(admin, ["customers:read"])
    response = await client_token_response(admin, partner["client_id"], partner["client_secret"])
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_rotation_signs_with_the_new_key_and_keeps_the_old_for_the_overlap(
    admin: httpx.AsyncClient, clock: FakeClock, identity_settings: IdentitySettings
) -> None:
    verifier = verifier_for(admin, clock)
    old_token = await partner_token(admin)
    old_kid = jwt.get_unverified_header(old_token)["kid"]

    rotated = await admin.post("/v1/keys/rotate")
    assert rotated.status_code == 200, rotated.text
    new_kid = rotated.json()["signing"]["kid"]
    assert new_kid != old_kid
    assert [key["kid"] for key in rotated.json()["retired"]] == [old_kid]
    assert "PRIVATE" not in rotated.text

    new_token = await partner_token(admin)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    assert {key["kid"] for key in (await jwks_of(admin))["keys"]} == {old_kid, new_kid}
    # During the overlap both verify (the old one until it expires).
    clock.advance(minutes=30)
    assert (await verifier.verify(old_token))["sub"].startswith("client:")
    assert (await verifier.verify(new_token))["sub"].startswith("client:")

    # After the longest lifetime plus the overlap, the old key is gone from the JWKS.
    overlap = identity_settings.longest_token_minutes + identity_settings.key_overlap_minutes
    clock.advance(minutes=overlap - 30, seconds=1)
    assert [key["kid"] for key in (await jwks_of(admin))["keys"]] == [new_kid]
    with pytest.raises(Unauthenticated, match="kid"):
        await verifier.verify(old_token)


async def test_the_admin_still_works_after_a_rotation(admin: httpx.AsyncClient) -> None:
    assert (await admin.post("/v1/keys/rotate")).status_code == 200
    assert (await admin.get("/v1/keys")).status_code == 200  # token of the retired key
    listed = (await admin.get("/v1/keys")).json()
    assert len(listed) == 2
    assert listed[0]["retired_at"] is None
    assert set(listed[0]) == {"kid", "created_at", "activated_at", "retired_at"}


async def test_the_verifier_refuses_an_expired_token(
    admin: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = await partner_token(admin)
    verifier = verifier_for(admin, clock)
    await verifier.verify(token)
    clock.advance(minutes=61)
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(token)


async def test_the_verifier_refuses_another_audience_or_issuer(
    admin: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = await partner_token(admin)
    with pytest.raises(Unauthenticated, match="audience"):
        await verifier_for(admin, clock, audience="billing").verify(token)
    with pytest.raises(Unauthenticated, match="issuer"):
        await verifier_for(admin, clock, issuer="https://evil.example").verify(token)


def _claims(clock: FakeClock) -> dict[str, Any]:
    now = int(clock.now().timestamp())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "someone",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        "role": "admin",
    }


async def test_the_verifier_refuses_a_token_signed_by_another_key(
    admin: httpx.AsyncClient, clock: FakeClock
) -> None:
    kid = (await jwks_of(admin))["keys"][0]["kid"]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_claims(clock), stranger, algorithm="RS256", headers={"kid": kid})
    with pytest.raises(Unauthenticated, match="signature"):
        await verifier_for(admin, clock).verify(forged)
    unknown = jwt.encode(_claims(clock), stranger, algorithm="RS256", headers={"kid": "mine"})
    with pytest.raises(Unauthenticated, match="kid"):
        await verifier_for(admin, clock).verify(unknown)
    # The public key used as an HMAC secret (algorithm confusion) is refused too.
    hmac = jwt.encode(_claims(clock), "s" * 32, algorithm="HS256", headers={"kid": kid})
    with pytest.raises(Unauthenticated, match="RS256"):
        await verifier_for(admin, clock).verify(hmac)


async def test_the_verifier_refuses_alg_none(admin: httpx.AsyncClient, clock: FakeClock) -> None:
    kid = (await jwks_of(admin))["keys"][0]["kid"]
    unsigned = jwt.encode(_claims(clock), None, algorithm="none", headers={"kid": kid})
    with pytest.raises(Unauthenticated, match="RS256"):
        await verifier_for(admin, clock).verify(unsigned)
    response = await admin.get("/v1/users", headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_a_token_missing_a_required_claim_is_refused(
    identity_app: FastAPI, admin: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = await partner_token(admin)
    claims = jwt.decode(token, options={"verify_signature": False})
    from crm_identity.keys import service as keys  # the service's own signer

    async with identity_app.state.runtime.unit_of_work(read_only=True) as uow:
        signer = await keys.current_signer(uow, sealer_of(identity_app))
    del claims["jti"]
    with pytest.raises(Unauthenticated):
        await verifier_for(admin, clock).verify(signer.sign(claims))
    future = {**_claims(clock), "nbf": int(clock.now().timestamp()) + 3600}
    with pytest.raises(Unauthenticated, match="not valid yet"):
        await verifier_for(admin, clock).verify(signer.sign(future))

"""Bearer tokens for tests: a signing key made once per test run, tokens it signs for any
role or scopes, and the verifier that trusts it (what a service's own would be with the
identity service as the issuer), so API tests run against the real permission checks."""

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from crm_shared.auth.tokens import ALGORITHM, TokenVerifier
from crm_shared.clock import SYSTEM_CLOCK, Clock

ISSUER = "http://identity.test"
AUDIENCE = "crm"
KID = "test-key"


@cache
def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def signing_jwks() -> dict[str, Any]:
    public: dict[str, Any] = RSAAlgorithm.to_jwk(_private_key().public_key(), as_dict=True)
    return {"keys": [{**public, "kid": KID, "use": "sig", "alg": ALGORITHM}]}


def token_for(
    role: str | None = "admin",
    *,
    scopes: tuple[str, ...] = (),
    client_id: str | None = None,
    subject: str | None = None,
    team: str | None = None,
    now: datetime | None = None,
    lifetime: timedelta = timedelta(hours=1),
    **claims: Any,
) -> str:
    """A token as the identity service issues it: a person's (``role``) or, with
    ``client_id``, a partner client's (``scopes``)."""
    issued = now or datetime.now(UTC)
    body: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject or (f"client:{client_id}" if client_id else str(uuid.uuid4())),
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "jti": str(uuid.uuid4()),
        "scope": " ".join(scopes),
        **({"role": role} if role is not None and client_id is None else {}),
        **({"client_id": client_id} if client_id else {}),
        **({"team": team} if team else {}),
        **claims,
    }
    return jwt.encode(body, _private_key(), algorithm=ALGORITHM, headers={"kid": KID})


def trusting_verifier(clock: Clock = SYSTEM_CLOCK, remember_seconds: float = 0.0) -> TokenVerifier:
    """``remember_seconds``: as a service does (``CRM_AUTH_TOKEN_CACHE_SECONDS``); tests
    check every signature."""

    async def keys() -> Mapping[str, Any]:
        return signing_jwks()

    return TokenVerifier(ISSUER, AUDIENCE, keys, clock=clock, remember_seconds=remember_seconds)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def as_subject(subject: str, role: str = "admin") -> dict[str, str]:
    """The ``Authorization`` header of ``subject`` (a person of ``role``): for a request made
    by someone in particular, whose subject the trails and the audit log must show."""
    return bearer(token_for(role, subject=subject))

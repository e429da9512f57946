"""Signing keys with rotation and overlap.

The newest active key signs. A rotation makes a new key and retires the others at once; a
retired key stays in the JWKS for the longest token lifetime plus an overlap
(``CRM_IDENTITY_KEY_OVERLAP_MINUTES``), so every token it signed verifies until it expires,
then leaves. With no key at all (first start) one is made. Private keys stay in the
database: callers get a :class:`Signer` or public JWKs, never the PEM text.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
from crm_shared.db import UnitOfWork
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from crm_identity.keys.models import SigningKey
from crm_identity.keys.repository import SigningKeyRepository

ALGORITHM = "RS256"


# Parsed keys by kid (a key's PEM never changes): parsing and checking an RSA key is slow.
_PRIVATE: dict[str, rsa.RSAPrivateKey] = {}
_PUBLIC_JWK: dict[str, dict[str, Any]] = {}


def _private_key(key: SigningKey) -> rsa.RSAPrivateKey:
    loaded = _PRIVATE.get(key.kid)
    if loaded is None:
        parsed = serialization.load_pem_private_key(key.private_key_pem.encode(), password=None)
        assert isinstance(parsed, rsa.RSAPrivateKey)
        loaded = _PRIVATE[key.kid] = parsed
    return loaded


@dataclass(frozen=True)
class Signer:
    kid: str
    _private_key: rsa.RSAPrivateKey = field(repr=False)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.kid})


@dataclass(frozen=True)
class KeyInfo:
    """What an admin may see of a key."""

    kid: str
    created_at: datetime
    activated_at: datetime
    retired_at: datetime | None


def info_of(key: SigningKey) -> KeyInfo:
    return KeyInfo(key.kid, key.created_at, key.activated_at, key.retired_at)


def _new_key(now: datetime, bits: int) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    kid = f"{now:%Y%m%d}-{secrets.token_hex(6)}"
    return SigningKey(kid=kid, private_key_pem=pem, created_at=now, activated_at=now)


async def ensure_signing_key(uow: UnitOfWork, bits: int) -> bool:
    """Make a key if none is active; True if one was made."""
    keys = SigningKeyRepository(uow.session)
    if await keys.active():
        return False
    keys.add(_new_key(uow.clock.now(), bits))
    return True


async def rotate(uow: UnitOfWork, bits: int) -> tuple[KeyInfo, list[KeyInfo]]:
    """A new signing key; the ones active until now are retired (still published for the
    overlap). Returns the new key and the retired ones."""
    keys = SigningKeyRepository(uow.session)
    now = uow.clock.now()
    retired = await keys.active()
    for key in retired:
        key.retired_at = now
    new = keys.add(_new_key(now, bits))
    return info_of(new), [info_of(key) for key in retired]


async def current_signer(uow: UnitOfWork) -> Signer:
    active = await SigningKeyRepository(uow.session).active()
    if not active:
        raise RuntimeError("no active signing key (the service makes one at start)")
    return Signer(active[0].kid, _private_key(active[0]))


def published_since(now: datetime, longest_token_minutes: int, overlap_minutes: int) -> datetime:
    """Keys retired after this instant are still published."""
    return now - timedelta(minutes=longest_token_minutes + overlap_minutes)


async def published_keys(
    uow: UnitOfWork, longest_token_minutes: int, overlap_minutes: int
) -> list[KeyInfo]:
    since = published_since(uow.clock.now(), longest_token_minutes, overlap_minutes)
    return [info_of(key) for key in await SigningKeyRepository(uow.session).published(since)]


async def jwks(uow: UnitOfWork, longest_token_minutes: int, overlap_minutes: int) -> dict[str, Any]:
    """The JWKS document (RFC 7517): the public half of every published key."""
    since = published_since(uow.clock.now(), longest_token_minutes, overlap_minutes)
    keys = await SigningKeyRepository(uow.session).published(since)
    return {"keys": [_public_jwk(key) for key in keys]}


def _public_jwk(key: SigningKey) -> dict[str, Any]:
    cached = _PUBLIC_JWK.get(key.kid)
    if cached is not None:
        return cached
    public: dict[str, Any] = RSAAlgorithm.to_jwk(_private_key(key).public_key(), as_dict=True)
    cached = _PUBLIC_JWK[key.kid] = {
        "kty": "RSA",
        "kid": key.kid,
        "use": "sig",
        "alg": ALGORITHM,
        "n": public["n"],
        "e": public["e"],
    }
    return cached

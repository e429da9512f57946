"""Signing keys with rotation and overlap.

The newest active key signs. A rotation makes a new key and retires the others at once; a
retired key stays in the JWKS for the longest token lifetime plus an overlap
(``CRM_IDENTITY_KEY_OVERLAP_MINUTES``), so every token it signed verifies until it expires,
then leaves. With no key at all (first start) one is made. Private keys stay in the
database, sealed with the secrets key (``crm_identity.sealing``): callers get a
:class:`Signer` or public JWKs, never the PEM text.
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
from crm_identity.sealing import SecretSealer

ALGORITHM = "RS256"


# Parsed keys by their sealed text (unsealing, parsing and checking an RSA key is slow); by
# the sealed text, not the kid, so that only a sealer that opened that very value fills it.
_PRIVATE: dict[str, rsa.RSAPrivateKey] = {}
_PUBLIC_JWK: dict[str, dict[str, Any]] = {}


def _private_key(key: SigningKey, sealer: SecretSealer) -> rsa.RSAPrivateKey:
    loaded = _PRIVATE.get(key.sealed_private_key)
    if loaded is None:
        pem = sealer.unseal(key.sealed_private_key, f"signing key {key.kid}")
        parsed = serialization.load_pem_private_key(pem.encode(), password=None)
        assert isinstance(parsed, rsa.RSAPrivateKey)
        loaded = _PRIVATE[key.sealed_private_key] = parsed
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


def _new_key(now: datetime, bits: int, sealer: SecretSealer) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    kid = f"{now:%Y%m%d}-{secrets.token_hex(6)}"
    return SigningKey(
        kid=kid, sealed_private_key=sealer.seal(pem), created_at=now, activated_at=now
    )


async def ensure_signing_key(uow: UnitOfWork, bits: int, sealer: SecretSealer) -> bool:
    """Make a key if none is active; True if one was made."""
    keys = SigningKeyRepository(uow.session)
    if await keys.active():
        return False
    keys.add(_new_key(uow.clock.now(), bits, sealer))
    return True


async def reseal_private_keys(uow: UnitOfWork, sealer: SecretSealer) -> int:
    """Seal with the current secrets key every private key that is not yet (in clear, or
    sealed with an older key); how many were. Retired keys too: they may be published still."""
    keys = SigningKeyRepository(uow.session)
    stale = await keys.sealed_otherwise(sealer.current_prefix)
    for key in stale:
        resealed = sealer.reseal(key.sealed_private_key, f"signing key {key.kid}")
        await keys.replace_sealed(key.kid, key.sealed_private_key, resealed)
    return len(stale)


async def rotate(uow: UnitOfWork, bits: int, sealer: SecretSealer) -> tuple[KeyInfo, list[KeyInfo]]:
    """A new signing key; the ones active until now are retired (still published for the
    overlap). Returns the new key and the retired ones."""
    keys = SigningKeyRepository(uow.session)
    now = uow.clock.now()
    retired = await keys.active()
    for key in retired:
        key.retired_at = now
    new = keys.add(_new_key(now, bits, sealer))
    return info_of(new), [info_of(key) for key in retired]


async def current_signer(uow: UnitOfWork, sealer: SecretSealer) -> Signer:
    active = await SigningKeyRepository(uow.session).active()
    if not active:
        raise RuntimeError("no active signing key (the service makes one at start)")
    return Signer(active[0].kid, _private_key(active[0], sealer))


def published_since(now: datetime, longest_token_minutes: int, overlap_minutes: int) -> datetime:
    """Keys retired after this instant are still published."""
    return now - timedelta(minutes=longest_token_minutes + overlap_minutes)


async def published_keys(
    uow: UnitOfWork, longest_token_minutes: int, overlap_minutes: int
) -> list[KeyInfo]:
    since = published_since(uow.clock.now(), longest_token_minutes, overlap_minutes)
    return [info_of(key) for key in await SigningKeyRepository(uow.session).published(since)]


async def jwks(
    uow: UnitOfWork, longest_token_minutes: int, overlap_minutes: int, sealer: SecretSealer
) -> dict[str, Any]:
    """The JWKS document (RFC 7517): the public half of every published key."""
    since = published_since(uow.clock.now(), longest_token_minutes, overlap_minutes)
    keys = await SigningKeyRepository(uow.session).published(since)
    return {"keys": [_public_jwk(key, sealer) for key in keys]}


def _public_jwk(key: SigningKey, sealer: SecretSealer) -> dict[str, Any]:
    cached = _PUBLIC_JWK.get(key.kid)  # the public half is public: by kid
    if cached is not None:
        return cached
    private = _private_key(key, sealer)
    public: dict[str, Any] = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    cached = _PUBLIC_JWK[key.kid] = {
        "kty": "RSA",
        "kid": key.kid,
        "use": "sig",
        "alg": ALGORITHM,
        "n": public["n"],
        "e": public["e"],
    }
    return cached

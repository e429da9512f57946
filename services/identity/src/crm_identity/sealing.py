"""Secrets at rest: the values identity must keep readable (the token signing keys' private
PEM, the webhook subscriptions' signing secrets) are stored sealed with a key-encryption key
(``CRM_IDENTITY_SECRETS_KEYS``), never in clear.

A sealed value is ``enc:v1:<key id>:<Fernet token>`` (AES-128-CBC + HMAC-SHA256). The key
id (8 hex digits of a SHA-256 of the key; it says nothing about the key) names the key that
sealed it, so that a rotation finds the values still sealed with an old key without trying
to decrypt them, and a value sealed with a key the service was not given fails with a clear
message, not a bare "invalid token".

Rotation: the setting is a comma-separated list; the first key seals, every key unseals.
:meth:`SecretSealer.reseal` re-encrypts a value with the first key (the service does it for
every stored value at start, ``crm_identity.bootstrap``), and also seals a value still in
clear (written before secrets were sealed).

Nothing here logs, and no error carries a value or a key.
"""

import base64
import binascii
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken

SEALED_PREFIX = "enc:v1:"
KEY_BYTES = 32
SETTING = "CRM_IDENTITY_SECRETS_KEYS"


class UnreadableSecretError(RuntimeError):
    """A stored secret cannot be unsealed with the keys this service was given."""


def parse_keys(setting: str) -> list[bytes]:
    """The raw keys of the setting: comma-separated, each 32 bytes in base64 (a Fernet key,
    or ``openssl rand -base64 32``). Raises ValueError naming the bad entry's position."""
    entries = [entry.strip() for entry in setting.split(",") if entry.strip()]
    if not entries:
        raise ValueError(f"{SETTING} holds no key")
    keys = []
    for position, entry in enumerate(entries, start=1):
        standard = entry.replace("-", "+").replace("_", "/")
        try:
            raw = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except binascii.Error:
            raw = b""
        if len(raw) != KEY_BYTES:
            raise ValueError(
                f"{SETTING}: key {position} is not {KEY_BYTES} bytes in base64 "
                "(make one with: openssl rand -base64 32)"
            )
        keys.append(raw)
    return keys


def new_key() -> str:
    """A new key, as the setting takes it."""
    return Fernet.generate_key().decode()


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"crm-identity secrets key\0" + key).hexdigest()[:8]


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


class SecretSealer:
    """Seals and unseals text with the configured keys (the first seals)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError(f"{SETTING} holds no key")
        self._fernets = {key_id(key): Fernet(base64.urlsafe_b64encode(key)) for key in keys}
        self.current_key_id = key_id(keys[0])

    @classmethod
    def from_setting(cls, setting: str) -> "SecretSealer":
        return cls(parse_keys(setting))

    @property
    def current_prefix(self) -> str:
        """What every value sealed with the current key starts with."""
        return f"{SEALED_PREFIX}{self.current_key_id}:"

    def seal(self, plain: str) -> str:
        token = self._fernets[self.current_key_id].encrypt(plain.encode())
        return self.current_prefix + token.decode()

    def unseal(self, stored: str, what: str) -> str:
        """The clear text of a sealed value; ``what`` names it in errors (``signing key
        <kid>``), which never carry the value."""
        if not is_sealed(stored):
            raise UnreadableSecretError(f"{what} is not sealed")
        sealed_with, _, token = stored.removeprefix(SEALED_PREFIX).partition(":")
        fernet = self._fernets.get(sealed_with)
        if fernet is None:
            raise UnreadableSecretError(
                f"{what} is sealed with the secrets key {sealed_with}, which is not one of "
                f"{SETTING} (given: {', '.join(self._fernets)}): set the key that sealed it"
            )
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise UnreadableSecretError(
                f"{what} does not unseal with the secrets key {sealed_with}: it was altered"
            ) from None

    def needs_resealing(self, stored: str) -> bool:
        return not stored.startswith(self.current_prefix)

    def reseal(self, stored: str, what: str) -> str:
        """``stored`` sealed with the current key: a value in clear (from before secrets were
        sealed) or one sealed with an older key of the list."""
        plain = self.unseal(stored, what) if is_sealed(stored) else stored
        return self.seal(plain)

    def __repr__(self) -> str:  # the keys never show in logs or tracebacks
        return f"SecretSealer(current_key_id={self.current_key_id!r})"

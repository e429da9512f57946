"""Standard Webhooks signatures (https://www.standardwebhooks.com): symmetric, HMAC-SHA256.

A secret is ``whsec_`` + base64 of 32 random bytes; the key is those bytes. A message is
signed over ``"{webhook-id}.{webhook-timestamp}.{body}"``; the ``webhook-signature`` header
is ``v1,<base64 signature>`` (several, space-separated, while a secret is being rotated).
"""

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
SIGNATURE_VERSION = "v1"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for this message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(secret: str, message_id: str, timestamp: int, body: bytes, signature: str) -> bool:
    """Whether one of the ``v1`` signatures in a ``webhook-signature`` header is the one
    ``secret`` makes (what a receiver does; the timestamp's freshness is its own check)."""
    expected = sign(secret, message_id, timestamp, body)
    return any(
        hmac.compare_digest(expected, candidate)
        for candidate in signature.split()
        if candidate.startswith(SIGNATURE_VERSION + ",")
    )

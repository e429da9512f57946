"""Passwords and client secrets, stored only as salted scrypt hashes (the standard library's
``hashlib.scrypt``), compared in constant time.

A stored hash reads ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (base64url, no padding), so the cost
can rise later without invalidating the hashes already stored.
"""

import base64
import hashlib
import hmac
import secrets

_SCHEME = "scrypt"
_N, _R, _P = 2**14, 8, 1  # about 16 MiB and a few tens of milliseconds per hash
_SALT_BYTES = 16
_HASH_BYTES = 32


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        secret.encode(), salt=salt, n=n, r=r, p=p, maxmem=128 * r * n * 2, dklen=_HASH_BYTES
    )


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(secret, salt, _N, _R, _P)
    return f"{_SCHEME}${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str | None) -> bool:
    """Whether ``secret`` hashes to ``stored``; with no stored hash, the same work is done
    (against a throwaway hash), so the answer's timing does not say whether one existed."""
    if not stored:
        hmac.compare_digest(_scrypt(secret, b"\0" * _SALT_BYTES, _N, _R, _P), b"\0" * _HASH_BYTES)
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        computed = _scrypt(secret, _unb64(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed, _unb64(digest))


def new_secret() -> str:
    """A client secret: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)

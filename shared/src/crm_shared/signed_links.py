"""Signed links: a small JSON payload a service hands out in a URL (a survey to answer, an
unsubscribe, a click to redirect) and takes back later without storing anything.

The token is the payload's compact JSON (compressed when that is shorter), URL-safe base64,
a timestamp and an HMAC of both under the service's key and a salt that names what the link
is for, so a token made for one purpose is worthless for another. The timestamp comes from
the caller's clock, not from ``time.time()``: a link's age follows the injected clock (tests
move it instead of sleeping)."""

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, TypeAlias

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from pydantic import SecretStr

from crm_shared.errors import DomainError
from crm_shared.secret_files import generated_once

Payload: TypeAlias = (
    "str | int | float | bool | list[Payload] | dict[str, Payload] | None"  # any JSON value
)


class UnknownLinkError(DomainError):
    """A token this service did not sign for this purpose, or that was changed: as if there
    were no link. A caller names its own problem with a subclass (``default_code``,
    ``default_message``) or with ``code=``."""

    status = 404
    default_code = "link-unknown"
    default_message: ClassVar[str] = "there is nothing at this address"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message or self.default_message, **kwargs)


class ExpiredLinkError(DomainError):
    status = 410
    default_code = "link-expired"
    default_message: ClassVar[str] = "this link has expired"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message or self.default_message, **kwargs)


def link_key(configured: SecretStr | None, data_dir: Path, key_file: str) -> str:
    """The configured key, or one generated once into ``data_dir / key_file`` (mode 0600)
    and reused at every start, so that links survive a restart without any setting."""
    if configured is not None and configured.get_secret_value().strip():
        return configured.get_secret_value()
    return generated_once(data_dir / key_file, lambda: secrets.token_urlsafe(32))


class _ClockSigner(TimestampSigner):
    """A timestamp signer that reads the time it is given."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now.timestamp())


class LinkSigner:
    """Signs and reads the tokens of one kind of link (its ``salt``).

    ``unknown`` and ``expired`` are the errors ``load`` raises: a caller passes subclasses
    to give them its own problem codes and messages."""

    def __init__(
        self,
        key: str,
        salt: str,
        *,
        unknown: type[UnknownLinkError] = UnknownLinkError,
        expired: type[ExpiredLinkError] = ExpiredLinkError,
    ) -> None:
        self._key = key
        self._salt = salt
        self._unknown = unknown
        self._expired = expired

    def _serializer(self, now: datetime) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            self._key, salt=self._salt, signer=_ClockSigner, signer_kwargs={"now": now}
        )

    def sign(self, payload: Payload, now: datetime) -> str:
        return self._serializer(now).dumps(payload)

    def load(self, token: str, now: datetime, max_age: timedelta | None) -> Payload:
        """The payload ``token`` was signed with, if it is at most ``max_age`` old at ``now``
        (``None``: a link that never expires)."""
        seconds = None if max_age is None else int(max_age.total_seconds())
        try:
            payload: Payload = self._serializer(now).loads(token, max_age=seconds)
        except SignatureExpired as error:
            raise self._expired() from error
        except BadData as error:
            raise self._unknown() from error
        return payload

"""The customer's signed survey link: a token that carries only the ticket id, signed with
the service's key (``CRM_SUPPORT_SURVEY_LINK_SECRET``; when not set, one generated once into
``<data dir>/support-survey-key``, mode 0600) and valid ``survey_link_days``.

The token's time comes from the unit of work's clock, not from ``time.time()``, so that the
link's age follows the injected clock (tests move it instead of sleeping)."""

import secrets
from datetime import datetime, timedelta
from typing import Any

from crm_shared.errors import DomainError
from crm_shared.secret_files import generated_once
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from crm_support.settings import SupportSettings

KEY_FILE = "support-survey-key"
SALT = "crm-support-survey-link"


class BadLinkError(DomainError):
    """A token this service did not sign, or that was changed: as if there were no link."""

    status = 404
    default_code = "survey-link-unknown"


class ExpiredLinkError(DomainError):
    status = 410
    default_code = "survey-link-expired"


class _ClockSigner(TimestampSigner):
    """A timestamp signer that reads the time it is given."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now.timestamp())


def link_key(settings: SupportSettings) -> str:
    if settings.survey_link_secret is not None:
        configured = settings.survey_link_secret.get_secret_value()
        if configured.strip():
            return configured
    # The support service has no notion of a development machine (identity has): a key it
    # generated itself is kept under the data folder, and reused at every start.
    return generated_once(settings.data_dir / KEY_FILE, lambda: secrets.token_urlsafe(32))


def _serializer(settings: SupportSettings, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        link_key(settings), salt=SALT, signer=_ClockSigner, signer_kwargs={"now": now}
    )


def lifetime(settings: SupportSettings) -> timedelta:
    return timedelta(days=settings.survey_link_days)


def sign(ticket_id: str, settings: SupportSettings, now: datetime) -> str:
    return _serializer(settings, now).dumps(ticket_id)


def ticket_of(token: str, settings: SupportSettings, now: datetime) -> str:
    """The ticket id ``token`` was signed for, or BadLinkError / ExpiredLinkError."""
    max_age = int(lifetime(settings).total_seconds())
    try:
        ticket_id = _serializer(settings, now).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ExpiredLinkError("this survey link has expired") from error
    except BadData as error:
        raise BadLinkError("there is no survey at this address") from error
    if not isinstance(ticket_id, str):
        raise BadLinkError("there is no survey at this address")
    return ticket_id

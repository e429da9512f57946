"""The customer's signed survey link: a token that carries only the ticket id, signed with
the service's key (``CRM_SUPPORT_SURVEY_LINK_SECRET``; when not set, one generated once into
``<data dir>/support-survey-key``, mode 0600) and valid ``survey_link_days``.

The token's time comes from the unit of work's clock (``crm_shared.signed_links``), so that
the link's age follows the injected clock."""

from datetime import datetime, timedelta

from crm_shared import signed_links

from crm_support.settings import SupportSettings

KEY_FILE = "support-survey-key"
SALT = "crm-support-survey-link"


class BadLinkError(signed_links.UnknownLinkError):
    """A token this service did not sign, or that was changed: as if there were no link."""

    default_code = "survey-link-unknown"
    default_message = "there is no survey at this address"


class ExpiredLinkError(signed_links.ExpiredLinkError):
    default_code = "survey-link-expired"
    default_message = "this survey link has expired"


def link_key(settings: SupportSettings) -> str:
    # The support service has no notion of a development machine (identity has): a key it
    # generated itself is kept under the data folder, and reused at every start.
    return signed_links.link_key(settings.survey_link_secret, settings.data_dir, KEY_FILE)


def _signer(settings: SupportSettings) -> signed_links.LinkSigner:
    return signed_links.LinkSigner(
        link_key(settings), SALT, unknown=BadLinkError, expired=ExpiredLinkError
    )


def lifetime(settings: SupportSettings) -> timedelta:
    return timedelta(days=settings.survey_link_days)


def sign(ticket_id: str, settings: SupportSettings, now: datetime) -> str:
    return _signer(settings).sign(ticket_id, now)


def ticket_of(token: str, settings: SupportSettings, now: datetime) -> str:
    """The ticket id ``token`` was signed for, or BadLinkError / ExpiredLinkError."""
    ticket_id = _signer(settings).load(token, now, lifetime(settings))
    if not isinstance(ticket_id, str):
        raise BadLinkError()
    return ticket_id

"""The one interface every channel adapter offers the send loop, and what a send can end as."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class Letter:
    """Where a direct-mail message goes: the line of its campaign's mail list."""

    campaign_id: str
    step: int
    name: str
    street: str
    postal_code: str
    city: str | None
    region: str | None
    country: str | None


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str  # our id; the e-mail's Message-ID is <message_id@CRM domain>
    customer_id: str
    address: str  # e-mail address, phone number (E.164), or a letter's address on one line
    subject: str | None  # e-mail only
    text: str  # the plain-text body (SMS: the whole message; a letter: its text)
    html: str | None = None  # the HTML body (e-mail), or None
    headers: Mapping[str, str] = field(default_factory=dict)  # extra e-mail headers
    letter: Letter | None = None  # direct mail only


class Outcome(StrEnum):
    DELIVERED = "delivered"  # the server/provider accepted it (SMTP 2xx; SMS provider 2xx)
    # Written to the campaign's mail list (direct mail): paper has no delivery receipt.
    POSTED = "posted"
    BOUNCED = "bounced"  # refused (SMTP 4xx/5xx for this recipient or message; provider 4xx)
    # Never handed over (no connection, provider down before we sent): the caller may try
    # it again later.
    NOT_SENT = "not_sent"
    # The connection broke while handing it over: it may have gone; never retried (a
    # campaign sends at most once).
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SendResult:
    message_id: str
    outcome: Outcome
    detail: str  # the server's answer, e.g. "250 2.0.0 Ok: queued" / "550 5.1.1 unknown user"
    permanent: bool = False  # a hard bounce (5xx / provider says invalid number)


class ChannelAdapter(Protocol):
    async def send(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        """One result per message, in the same order; never raises for one bad message."""
        ...

    async def aclose(self) -> None: ...


def not_sent(messages: Sequence[OutgoingMessage], detail: str) -> list[SendResult]:
    return [SendResult(m.message_id, Outcome.NOT_SENT, detail) for m in messages]

"""E-mail over SMTP (aiosmtplib): one connection carries a whole batch, and every message's
outcome is read from the server's own answer.

Each message is its own SMTP transaction (MAIL, RCPT, DATA), so a refused recipient bounces
alone. What a broken connection means depends on where it broke: before DATA the server holds
nothing of the message (not sent, may be tried again); during DATA it may have taken it
(unknown, never retried). Either way the rest of the batch is not sent.
"""

import asyncio
import contextlib
import email.errors
import email.utils
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, EmailPolicy
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from crm_shared.clock import SYSTEM_CLOCK, Clock

from crm_marketing.channels.base import Outcome, OutgoingMessage, SendResult, not_sent
from crm_marketing.settings import MarketingSettings

# "Service not available, closing transmission channel": the server's state, not the message's.
_CLOSING = 421
_TRUE = {"1", "true", "yes", "on"}


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, except that it makes each header's class once: the
    stock one builds a new class for every header set, most of a message's build time."""

    @functools.lru_cache(maxsize=256)  # noqa: B019 (one module-level instance, kept for ever)
    def __getitem__(self, name: str) -> type[BaseHeader]:
        header_class: type[BaseHeader] = super().__getitem__(name)
        return header_class


_HEADER_CLASSES = _HeaderClasses()
# How a message is flattened, by (SMTPUTF8 needed, 8BITMIME offered). Lines may run to RFC
# 5322's hard limit (998): at the default 78 a long header that cannot be folded, such as
# List-Unsubscribe's signed URL, would be RFC 2047-encoded, which RFC 8058 mail clients do
# not read as a URL.
_POLICIES: "dict[tuple[bool, bool], EmailPolicy[EmailMessage]]" = {
    (utf8, eight_bit): (SMTPUTF8 if utf8 else SMTP).clone(
        header_factory=_HEADER_CLASSES,
        cte_type="8bit" if eight_bit else "7bit",
        max_line_length=998,
    )
    for utf8 in (False, True)
    for eight_bit in (False, True)
}


@dataclass(frozen=True)
class SmtpServer:
    """Where to submit mail, from ``smtp://[user:password@]host[:port][?starttls=true]`` or
    ``smtps://`` (implicit TLS)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    start_tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> "SmtpServer":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("an SMTP URL starts with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("an SMTP URL names a host")
        query = parse_qs(parts.query)
        start_tls = query.get("starttls", ["false"])[-1].lower() in _TRUE
        use_tls = parts.scheme == "smtps"
        if use_tls and start_tls:
            raise ValueError("smtps:// is TLS from the start: it takes no ?starttls")
        default_port = 465 if use_tls else 587 if start_tls else 25
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
            start_tls=start_tls,
        )

    def __str__(self) -> str:  # for details and logs: never the credentials
        return f"{'smtps' if self.use_tls else 'smtp'}://{self.host}:{self.port}"


class _ConnectionLost(Exception):
    def __init__(self, detail: str, *, handed_over: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.handed_over = handed_over  # the message's content had reached the wire

    def result_for(self, message: OutgoingMessage) -> SendResult:
        if self.handed_over:
            return SendResult(message.message_id, Outcome.UNKNOWN, self.detail)
        return SendResult(message.message_id, Outcome.NOT_SENT, self.detail)


_CONNECT_ERRORS = (aiosmtplib.SMTPException, OSError)
_LOST = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError)


class EmailChannel:
    """The e-mail :class:`~crm_marketing.channels.base.ChannelAdapter`. Batches are sent one
    at a time over one connection, opened on the first batch and kept between batches."""

    def __init__(
        self,
        server: SmtpServer,
        mail_from: str,
        *,
        timeout: float = 30.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.server = server
        self.mail_from = mail_from
        self.timeout = timeout
        self.clock = clock
        self.sender = email.utils.parseaddr(mail_from)[1]
        if "@" not in self.sender:
            raise ValueError(f"mail_from needs an address with a domain: {mail_from!r}")
        # The CRM's domain: it names our Message-IDs and our side of EHLO.
        self.domain = self.sender.rpartition("@")[2]
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls, settings: MarketingSettings, clock: Clock = SYSTEM_CLOCK
    ) -> "EmailChannel":
        return cls(
            SmtpServer.from_url(settings.smtp_url.get_secret_value()),
            settings.mail_from,
            timeout=settings.smtp_timeout_seconds,
            clock=clock,
        )

    async def send(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        async with self._lock:  # one SMTP transaction at a time on the connection
            try:
                return await self._send(messages)
            except BaseException:
                # Cancelled inside a transaction: where the server stands is unknown, so the
                # next batch must not continue on this connection.
                if self._smtp is not None:
                    self._smtp.close()
                raise

    async def aclose(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None or not smtp.is_connected:
            return
        try:
            await smtp.quit(timeout=min(self.timeout, 5.0))
        except (*_CONNECT_ERRORS, TimeoutError):
            smtp.close()

    async def _send(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        if not messages:
            return []
        results: list[SendResult] = []
        reused = self._smtp is not None and self._smtp.is_connected
        try:
            smtp = await self._connection()
        except _CONNECT_ERRORS as exc:
            return not_sent(messages, f"no connection to {self.server}: {_describe(exc)}")
        index = 0
        while index < len(messages):
            message = messages[index]
            try:
                results.append(await self._deliver(smtp, message))
            except _ConnectionLost as lost:
                if reused and not lost.handed_over:
                    # The server closed the connection while it waited between batches:
                    # nothing of this message reached it, so a new connection may carry it.
                    reused = False
                    try:
                        smtp = await self._connection()
                    except _CONNECT_ERRORS as exc:
                        detail = f"no connection to {self.server}: {_describe(exc)}"
                        return [*results, *not_sent(messages[index:], detail)]
                    continue
                results.append(lost.result_for(message))
                detail = f"not sent: the connection to {self.server} was lost ({lost.detail})"
                return [*results, *not_sent(messages[index + 1 :], detail)]
            reused = False
            index += 1
        return results

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        smtp = aiosmtplib.SMTP(
            hostname=self.server.host,
            port=self.server.port,
            username=self.server.username,
            password=self.server.password,
            use_tls=self.server.use_tls,
            start_tls=self.server.start_tls,
            timeout=self.timeout,
            # Not socket.getfqdn(): it can wait seconds on a badly configured resolver.
            local_hostname=self.domain,
        )
        await smtp.connect()
        try:
            if smtp.is_ehlo_or_helo_needed:  # the extensions decide how to encode
                await smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    async def _deliver(self, smtp: aiosmtplib.SMTP, message: OutgoingMessage) -> SendResult:
        """One SMTP transaction. A refusal is the message's result; a broken connection is
        raised as :class:`_ConnectionLost`."""
        try:
            Address(addr_spec=message.address)
        except (ValueError, IndexError, email.errors.HeaderParseError) as exc:
            detail = f"refused before sending: invalid address ({_describe(exc)})"
            return SendResult(message.message_id, Outcome.BOUNCED, detail, permanent=True)
        utf8 = not message.address.isascii()
        if utf8 and not smtp.supports_extension("smtputf8"):
            detail = f"refused before sending: {self.server} cannot take a non-ASCII address"
            return SendResult(message.message_id, Outcome.BOUNCED, detail, permanent=True)
        eight_bit = smtp.supports_extension("8bitmime")
        try:
            content = _flatten(self.build(message), utf8=utf8, eight_bit=eight_bit)
        except (ValueError, TypeError) as exc:
            # Not the address's fault (a header the caller gave, say): no hard bounce.
            detail = f"refused before sending: cannot build the message ({exc})"
            return SendResult(message.message_id, Outcome.BOUNCED, detail)
        options = [*(["BODY=8BITMIME"] if eight_bit else []), *(["SMTPUTF8"] if utf8 else [])]
        encoding = "utf-8" if utf8 else "ascii"
        try:
            await smtp.mail(self.sender, options=options, encoding=encoding)
            await smtp.rcpt(message.address, encoding=encoding)
        except aiosmtplib.SMTPResponseException as refusal:
            return await self._refused(smtp, message, refusal)
        except _LOST as exc:
            raise _ConnectionLost(_describe(exc), handed_over=False) from exc
        try:
            response = await smtp.data(content)
        except aiosmtplib.SMTPResponseException as refusal:
            return await self._refused(smtp, message, refusal)
        except _LOST as exc:
            raise _ConnectionLost(_describe(exc), handed_over=True) from exc
        accepted = f"{response.code} {response.message}"
        return SendResult(message.message_id, Outcome.DELIVERED, accepted)

    def build(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage(policy=_POLICIES[False, True])
        mail["From"] = self.mail_from
        mail["To"] = message.address
        mail["Subject"] = message.subject or ""
        mail["Date"] = email.utils.format_datetime(self.clock.now())
        mail["Message-ID"] = f"<{message.message_id}@{self.domain}>"
        for name, value in message.headers.items():
            mail[name] = value
        mail.set_content(message.text)
        if message.html is not None:
            mail.add_alternative(message.html, subtype="html")
        return mail

    async def _refused(
        self,
        smtp: aiosmtplib.SMTP,
        message: OutgoingMessage,
        refusal: aiosmtplib.SMTPResponseException,
    ) -> SendResult:
        detail = f"{refusal.code} {refusal.message}"
        if refusal.code == _CLOSING:
            raise _ConnectionLost(detail, handed_over=False)
        # The next transaction starts from a clean envelope; a connection lost here shows
        # on the next message.
        with contextlib.suppress(*_CONNECT_ERRORS):
            await smtp.rset()
        # A refused sender (MAIL FROM) says nothing about the customer's address: a wrong
        # mail_from must not hard-bounce a whole audience.
        about_the_address = not isinstance(refusal, aiosmtplib.SMTPSenderRefused)
        permanent = about_the_address and 500 <= refusal.code < 600
        return SendResult(message.message_id, Outcome.BOUNCED, detail, permanent=permanent)


def _flatten(mail: EmailMessage, *, utf8: bool, eight_bit: bool) -> bytes:
    with io.BytesIO() as buffer:
        BytesGenerator(buffer, policy=_POLICIES[utf8, eight_bit]).flatten(mail)
        return buffer.getvalue()


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__

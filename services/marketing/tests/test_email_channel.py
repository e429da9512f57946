"""The e-mail channel against a real SMTP server (aiosmtpd in the test's event loop): what it
sends, and what each message's outcome is when the server refuses, drops or closes."""

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from crm_launcher.broker import free_port
from crm_marketing.channels.base import Outcome, OutgoingMessage
from crm_marketing.channels.email import EmailChannel, SmtpServer
from crm_marketing.settings import MarketingSettings
from crm_shared.clock import FakeClock
from pydantic import SecretStr

SENT_AT = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes = b""


@dataclass
class FakeMailServer:
    """aiosmtpd's handler, with switches for the failures the tests need."""

    received: list[Received] = field(default_factory=list)
    connections: list[SMTP] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    drop_during_data_for: set[str] = field(default_factory=set)
    hold_data_for: set[str] = field(default_factory=set)  # DATA answered only when released
    data_held: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    closing_mails: int = 0  # the next MAIL commands answered 421 (then the connection closes)
    port: int = 0

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.closing_mails:
            # What a server does to a connection idle too long (Postfix: "421 ... timeout").
            self.closing_mails -= 1
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.4.2 idle for too long, closing"
        if address.startswith("blocked@"):
            return "553 5.7.1 <blocked@crm.example>: sender not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2]
        if domain == "refused.example":
            return f"550 5.1.1 <{address}>: unknown user"
        if domain == "full.example":
            return f"452 4.2.2 <{address}>: mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.hold_data_for & set(envelope.rcpt_tos):
            self.data_held.set()
            await self.release.wait()
        if self.drop_during_data_for & set(envelope.rcpt_tos):
            server.transport.abort()  # the content arrived; the answer never leaves
            return "250 OK"
        # As a mail client reads it: CRLF line ends become the platform's.
        content = envelope.original_content.replace(b"\r\n", b"\n")
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), message, content)
        )
        return "250 2.0.0 Ok: queued"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret:/@")

    def close_every_connection(self) -> None:
        for connection in self.connections:
            if connection.transport is not None:
                connection.transport.close()

    def addresses(self) -> list[str]:
        return [address for received in self.received for address in received.rcpt_tos]


@pytest.fixture
async def mail_server() -> AsyncIterator[FakeMailServer]:
    fake = FakeMailServer()
    loop = asyncio.get_running_loop()

    def connection() -> SMTP:
        smtp = SMTP(
            fake,
            hostname="mx.test",
            loop=loop,
            authenticator=fake.authenticate,
            auth_require_tls=False,
        )
        fake.connections.append(smtp)
        return smtp

    server = await loop.create_server(connection, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    yield fake
    fake.close_every_connection()
    server.close()
    await server.wait_closed()


@pytest.fixture
async def channel(mail_server: FakeMailServer) -> AsyncIterator[EmailChannel]:
    channel = EmailChannel(
        SmtpServer("127.0.0.1", mail_server.port),
        "Acme Marketing <news@crm.example>",
        timeout=5,
        clock=FakeClock(SENT_AT),
    )
    yield channel
    await channel.aclose()


def outgoing(address: str, message_id: str | None = None, **fields: object) -> OutgoingMessage:
    values: dict[str, object] = {
        "message_id": message_id or f"m-{address.partition('@')[0]}",
        "customer_id": "c-1",
        "address": address,
        "subject": "Spring offers",
        "text": "Hello",
    }
    return OutgoingMessage(**(values | fields))  # type: ignore[arg-type]


async def test_a_message_carries_its_headers_and_both_bodies(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    unsubscribe = "<https://crm.example/u/abc>, <mailto:unsubscribe@crm.example?subject=abc>"
    message = OutgoingMessage(
        message_id="0193f0c2-msg",
        customer_id="c-1",
        address="ada@customer.example",
        subject="Frühlingsangebote für Sie",
        text="Grüße, Ada!\n\nUnsubscribe: https://crm.example/u/abc",
        html="<p>Grüße, <b>Ada</b>!</p>",
        headers={
            "List-Unsubscribe": unsubscribe,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )

    (result,) = await channel.send([message])

    assert result.outcome is Outcome.DELIVERED
    assert (result.message_id, result.detail) == ("0193f0c2-msg", "250 2.0.0 Ok: queued")
    (received,) = mail_server.received
    assert (received.mail_from, received.rcpt_tos) == ("news@crm.example", ["ada@customer.example"])
    mail = received.message
    assert mail["From"] == "Acme Marketing <news@crm.example>"
    assert mail["To"] == "ada@customer.example"
    assert mail["Subject"] == "Frühlingsangebote für Sie"
    assert mail["Message-ID"] == "<0193f0c2-msg@crm.example>"
    assert email.utils.parsedate_to_datetime(mail["Date"]) == SENT_AT
    # Folded onto its own line (it is long); the parser keeps the fold's space.
    assert mail["List-Unsubscribe"].strip() == unsubscribe
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    plain, html = mail.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content() == "Grüße, Ada!\n\nUnsubscribe: https://crm.example/u/abc\n"
    assert html.get_content_type() == "text/html"
    assert html.get_content() == "<p>Grüße, <b>Ada</b>!</p>\n"


async def test_a_long_unsubscribe_url_travels_as_a_plain_uri(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    """RFC 8058 mail clients read ``List-Unsubscribe`` as ``<URI>``: a signed link longer than
    a line must not be RFC 2047-encoded."""
    url = "http://127.0.0.1:8002/v1/unsubscribe/" + "eJyrVkrOz0nNzUzNS0lVslIyNDI2MTAyNzFUslIqS8" * 3
    await channel.send([outgoing("ada@customer.example", headers={"List-Unsubscribe": f"<{url}>"})])
    (received,) = mail_server.received
    assert f"List-Unsubscribe: <{url}>".encode() in received.raw
    assert b"=?utf-8?" not in received.raw


async def test_a_message_without_html_is_plain_text(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    await channel.send([outgoing("ada@customer.example")])

    (received,) = mail_server.received
    assert received.message.get_content_type() == "text/plain"
    assert received.message.get_content() == "Hello\n"


async def test_a_refused_recipient_bounces_while_the_others_are_delivered(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    results = await channel.send(
        [
            outgoing("ada@customer.example"),
            outgoing("nobody@refused.example"),
            outgoing("bob@full.example"),
            outgoing("not an address"),
            outgoing("eve@customer.example"),
        ]
    )

    assert [r.outcome for r in results] == [
        Outcome.DELIVERED,
        Outcome.BOUNCED,
        Outcome.BOUNCED,
        Outcome.BOUNCED,
        Outcome.DELIVERED,
    ]
    hard = results[1]
    assert hard.detail == "550 5.1.1 <nobody@refused.example>: unknown user"
    assert hard.permanent
    soft = results[2]
    assert soft.detail.startswith("452 4.2.2")
    assert not soft.permanent
    assert results[3].permanent
    assert "invalid address" in results[3].detail
    # One connection; each delivered message went alone, after a reset of the refused one.
    assert len(mail_server.connections) == 1
    assert [r.rcpt_tos for r in mail_server.received] == [
        ["ada@customer.example"],
        ["eve@customer.example"],
    ]


async def test_a_refused_sender_bounces_without_blaming_the_address(
    mail_server: FakeMailServer,
) -> None:
    channel = EmailChannel(SmtpServer("127.0.0.1", mail_server.port), "blocked@crm.example")

    (result,) = await channel.send([outgoing("ada@customer.example")])
    await channel.aclose()

    assert result.outcome is Outcome.BOUNCED
    assert result.detail.startswith("553 5.7.1")
    assert not result.permanent


async def test_a_header_that_would_inject_another_is_refused_before_sending(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    results = await channel.send(
        [
            outgoing("ada@customer.example", subject="Hi\r\nBcc: everyone@elsewhere.example"),
            outgoing("bob@customer.example"),
        ]
    )

    assert [r.outcome for r in results] == [Outcome.BOUNCED, Outcome.DELIVERED]
    assert not results[0].permanent  # the address is fine: no hard bounce for it
    assert mail_server.addresses() == ["bob@customer.example"]


async def test_a_connection_dropped_during_a_message_leaves_it_unknown_and_the_rest_unsent(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    mail_server.drop_during_data_for = {"bob@customer.example"}
    batch = [
        outgoing("ada@customer.example"),
        outgoing("bob@customer.example"),
        outgoing("cy@customer.example"),
        outgoing("dee@customer.example"),
    ]

    results = await channel.send(batch)

    assert [r.outcome for r in results] == [
        Outcome.DELIVERED,
        Outcome.UNKNOWN,
        Outcome.NOT_SENT,
        Outcome.NOT_SENT,
    ]
    assert [r.message_id for r in results] == [m.message_id for m in batch]
    assert "connection" in results[2].detail
    # The next batch gets a new connection and sends what was not sent.
    again = await channel.send(batch[2:])
    assert [r.outcome for r in again] == [Outcome.DELIVERED, Outcome.DELIVERED]
    assert len(mail_server.connections) == 2
    assert mail_server.addresses() == [
        "ada@customer.example",
        "cy@customer.example",
        "dee@customer.example",
    ]


async def test_a_batch_cancelled_during_a_message_leaves_the_connection_behind(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    mail_server.hold_data_for = {"bob@customer.example"}
    sending = asyncio.create_task(channel.send([outgoing("bob@customer.example")]))
    await mail_server.data_held.wait()

    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    mail_server.release.set()

    results = await channel.send([outgoing("ada@customer.example")])
    assert [r.outcome for r in results] == [Outcome.DELIVERED]
    assert len(mail_server.connections) == 2  # not the one with an answer still on its way


async def test_a_connection_the_server_closed_between_batches_is_opened_again(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    await channel.send([outgoing("ada@customer.example")])
    mail_server.close_every_connection()
    await asyncio.sleep(0)  # noticed by the client now or at its first command: both reconnect

    results = await channel.send([outgoing("bob@customer.example")])

    assert [r.outcome for r in results] == [Outcome.DELIVERED]
    assert len(mail_server.connections) == 2


async def test_a_server_closing_at_the_first_command_of_a_batch_gets_it_on_a_new_connection(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    await channel.send([outgoing("ada@customer.example")])
    mail_server.closing_mails = 1  # the client still believes the connection open

    results = await channel.send(
        [outgoing("bob@customer.example"), outgoing("cy@customer.example")]
    )

    assert [r.outcome for r in results] == [Outcome.DELIVERED, Outcome.DELIVERED]
    assert len(mail_server.connections) == 2
    assert mail_server.addresses() == [
        "ada@customer.example",
        "bob@customer.example",
        "cy@customer.example",
    ]


async def test_a_server_closing_again_after_the_reconnection_leaves_the_batch_unsent(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    await channel.send([outgoing("ada@customer.example")])
    mail_server.closing_mails = 2  # the reused connection, then the new one

    results = await channel.send(
        [outgoing("bob@customer.example"), outgoing("cy@customer.example")]
    )

    assert [r.outcome for r in results] == [Outcome.NOT_SENT, Outcome.NOT_SENT]
    assert results[0].detail.startswith("421 4.4.2")
    assert len(mail_server.connections) == 2  # reconnected once, not more


async def test_no_server_means_nothing_sent() -> None:
    channel = EmailChannel(SmtpServer("127.0.0.1", free_port()), "crm@crm.example", timeout=5)

    results = await channel.send([outgoing("ada@customer.example"), outgoing("bob@x.example")])

    assert [r.outcome for r in results] == [Outcome.NOT_SENT, Outcome.NOT_SENT]
    assert results[0].detail.startswith("no connection to smtp://127.0.0.1:")
    await channel.aclose()


async def test_the_credentials_of_the_url_log_in(mail_server: FakeMailServer) -> None:
    settings = MarketingSettings(
        smtp_url=SecretStr(f"smtp://crm%40example:s3cret%3A%2F%40@127.0.0.1:{mail_server.port}"),
        mail_from="crm@crm.example",
    )
    channel = EmailChannel.from_settings(settings)

    (result,) = await channel.send([outgoing("ada@customer.example")])
    await channel.aclose()

    assert result.outcome is Outcome.DELIVERED
    assert mail_server.logins == [(b"crm@example", b"s3cret:/@")]


async def test_an_empty_batch_opens_no_connection(
    channel: EmailChannel, mail_server: FakeMailServer
) -> None:
    assert await channel.send([]) == []
    assert mail_server.connections == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:1025", SmtpServer("127.0.0.1", 1025)),
        ("smtp://mail.example", SmtpServer("mail.example", 25)),
        (
            "smtp://u:p%40ss@mail.example?starttls=true",
            SmtpServer("mail.example", 587, "u", "p@ss", start_tls=True),
        ),
        ("smtps://u:p@mail.example", SmtpServer("mail.example", 465, "u", "p", use_tls=True)),
        ("smtps://mail.example:2465", SmtpServer("mail.example", 2465, use_tls=True)),
    ],
)
def test_smtp_urls(url: str, expected: SmtpServer) -> None:
    assert SmtpServer.from_url(url) == expected


@pytest.mark.parametrize(
    "url", ["http://mail.example", "smtp://", "smtps://mail.example?starttls=true"]
)
def test_bad_smtp_urls(url: str) -> None:
    with pytest.raises(ValueError, match=r"SMTP URL|smtps://"):
        SmtpServer.from_url(url)


def test_the_server_is_described_without_its_credentials() -> None:
    assert str(SmtpServer.from_url("smtps://user:secret@mail.example")) == (
        "smtps://mail.example:465"
    )


def test_the_default_points_at_the_development_mail_catcher() -> None:
    settings = MarketingSettings()
    assert SmtpServer.from_url(settings.smtp_url.get_secret_value()) == SmtpServer(
        "127.0.0.1", 1025
    )

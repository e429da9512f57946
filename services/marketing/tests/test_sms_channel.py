"""The SMS channel against real HTTP servers: the development sink `crm up` runs, a provider
answering what a test asks, and one that hangs up."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import h11
import pytest
from crm_launcher.broker import free_port
from crm_launcher.sms_sink import SmsSink
from crm_marketing.channels.base import Outcome, OutgoingMessage
from crm_marketing.channels.calls import CallTaskChannel
from crm_marketing.channels.email import EmailChannel
from crm_marketing.channels.factory import channels_for
from crm_marketing.channels.mail import MailListChannel
from crm_marketing.channels.sms import SmsBody, SmsChannel
from crm_marketing.settings import MarketingSettings
from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.db import UnitOfWork
from pydantic import SecretStr

DEFAULT_TEMPLATE = MarketingSettings().sms_body_template


class Provider(SmsSink):
    """A provider answering ``status`` to every POST, and remembering each request."""

    def __init__(self, folder: Path, status: int = 202) -> None:
        super().__init__("127.0.0.1", 0, folder)
        self.status = status
        self.requests: list[tuple[dict[str, str], Any]] = []

    def _answer(self, request: h11.Request, body: bytes) -> tuple[int, dict[str, Any]]:
        headers = {name.decode(): value.decode() for name, value in request.headers}
        self.requests.append((headers, json.loads(body)))
        return self.status, {"error": "provider says so"} if self.status >= 400 else {}


@pytest.fixture
async def sink(tmp_path: Path) -> AsyncIterator[SmsSink]:
    sink = SmsSink("127.0.0.1", 0, tmp_path / "sms")
    await sink.start()
    yield sink
    await sink.stop()


@pytest.fixture
async def provider(tmp_path: Path) -> AsyncIterator[Provider]:
    provider = Provider(tmp_path)
    await provider.start()
    yield provider
    await provider.stop()


def sms(number: str, text: str = "Your voucher: SPRING10", message_id: str = "") -> OutgoingMessage:
    return OutgoingMessage(
        message_id=message_id or f"m{number[-4:]}",
        customer_id="c-1",
        address=number,
        subject=None,
        text=text,
    )


def channel_for(url: str, **options: Any) -> SmsChannel:
    return SmsChannel(url, SmsBody(DEFAULT_TEMPLATE), **options)


def sink_lines(sink: SmsSink) -> list[dict[str, Any]]:
    return [json.loads(line) for line in sink.log.read_text().splitlines()]


async def test_the_sink_takes_messages_and_refuses_numbers_ending_0000(sink: SmsSink) -> None:
    channel = channel_for(sink.url)
    batch = [sms("+4915112345678"), sms("+4915100000000"), sms("+4915187654321")]

    results = await channel.send(batch)
    await channel.aclose()

    assert [r.message_id for r in results] == [m.message_id for m in batch]
    assert [r.outcome for r in results] == [Outcome.DELIVERED, Outcome.BOUNCED, Outcome.DELIVERED]
    assert results[0].detail.startswith("202 Accepted")
    assert not results[0].permanent
    assert results[1].permanent
    assert "invalid number" in results[1].detail
    lines = {line["body"]["to"]: line for line in sink_lines(sink)}
    assert lines["+4915112345678"]["status"] == 202
    assert lines["+4915112345678"]["body"] == {
        "to": "+4915112345678",
        "text": "Your voucher: SPRING10",
        "reference": "m5678",
    }
    assert lines["+4915100000000"]["status"] == 400


async def test_a_text_with_quotes_and_braces_stays_one_json_string(sink: SmsSink) -> None:
    text = 'He said "hi" {to} \\ {"a": 1}\nbye'
    channel = channel_for(sink.url)

    (result,) = await channel.send([sms("+4915112345678", text=text)])
    await channel.aclose()

    assert result.outcome is Outcome.DELIVERED
    (line,) = sink_lines(sink)
    assert line["body"]["text"] == text


async def test_the_template_and_the_auth_header_shape_the_request(provider: Provider) -> None:
    settings = MarketingSettings(
        sms_url=provider.url,
        sms_body_template=(
            '{"messages": [{"destination": "{to}", "content": {"body": "{text}"}}],'
            ' "client_ref": "crm-{message_id}/{customer_id}", "priority": 1}'
        ),
        sms_auth_header=SecretStr("App 0123abcd"),
    )
    channel = SmsChannel.from_settings(settings)

    (result,) = await channel.send([sms("+4915112345678", message_id="m-1")])
    await channel.aclose()

    assert result.outcome is Outcome.DELIVERED
    ((headers, body),) = provider.requests
    assert headers["authorization"] == "App 0123abcd"
    assert headers["content-type"] == "application/json"
    assert body == {
        "messages": [
            {"destination": "+4915112345678", "content": {"body": "Your voucher: SPRING10"}}
        ],
        "client_ref": "crm-m-1/c-1",
        "priority": 1,
    }


@pytest.mark.parametrize(
    ("status", "outcome", "permanent"),
    [
        (200, Outcome.DELIVERED, False),
        (400, Outcome.BOUNCED, True),
        (422, Outcome.BOUNCED, True),
        (429, Outcome.NOT_SENT, False),  # come back later, not a bad number
        (500, Outcome.NOT_SENT, False),
        (503, Outcome.NOT_SENT, False),
    ],
)
async def test_the_providers_status_decides_the_outcome(
    provider: Provider, status: int, outcome: Outcome, permanent: bool
) -> None:
    provider.status = status
    channel = channel_for(provider.url)

    (result,) = await channel.send([sms("+4915112345678")])
    await channel.aclose()

    assert (result.outcome, result.permanent) == (outcome, permanent)
    assert result.detail.startswith(str(status))


async def test_a_batch_goes_a_few_at_a_time_and_comes_back_in_order(provider: Provider) -> None:
    channel = channel_for(provider.url, concurrency=3)
    batch = [sms(f"+49151{i:08d}", message_id=f"m{i}") for i in range(1, 21)]

    results = await channel.send(batch)
    await channel.aclose()

    assert [r.message_id for r in results] == [m.message_id for m in batch]
    assert {r.outcome for r in results} == {Outcome.DELIVERED}
    assert sorted(body["reference"] for _, body in provider.requests) == sorted(
        m.message_id for m in batch
    )


async def test_no_provider_means_nothing_sent() -> None:
    channel = channel_for(f"http://127.0.0.1:{free_port()}/messages")

    results = await channel.send([sms("+4915112345678"), sms("+4915187654321")])
    await channel.aclose()

    assert [r.outcome for r in results] == [Outcome.NOT_SENT, Outcome.NOT_SENT]
    assert "ConnectError" in results[0].detail


async def test_a_provider_hanging_up_after_the_request_leaves_it_unknown() -> None:
    async def read_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the request arrived; no answer ever leaves
        writer.close()

    server = await asyncio.start_server(read_then_hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    channel = channel_for(f"http://127.0.0.1:{port}/messages")

    (result,) = await channel.send([sms("+4915112345678")])
    await channel.aclose()
    server.close()
    await server.wait_closed()

    assert result.outcome is Outcome.UNKNOWN
    assert "may have taken it" in result.detail


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("not json", "not JSON"),
        ('["{to}"]', "JSON object"),
        ('{"to": "{number}"}', "unknown fields"),
    ],
)
def test_a_bad_template_is_refused_up_front(template: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        SmsBody(template)


def test_the_default_url_is_the_development_sink() -> None:
    assert MarketingSettings().sms_url == "http://127.0.0.1:8025/messages"


def no_database() -> UnitOfWork:
    raise AssertionError("making the channels opens no unit of work")


def test_the_sender_gets_an_adapter_per_sending_channel() -> None:
    channels = channels_for(MarketingSettings(), no_database)
    assert isinstance(channels[MarketingChannel.EMAIL], EmailChannel)
    assert isinstance(channels[MarketingChannel.SMS], SmsChannel)
    assert isinstance(channels[MarketingChannel.PHONE], CallTaskChannel)
    assert isinstance(channels[MarketingChannel.MAIL], MailListChannel)
    assert set(channels) == set(MarketingChannel)

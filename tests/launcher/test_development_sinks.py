"""The development sinks `crm up` runs for marketing: the mail catcher keeps each e-mail as an
.eml file, the SMS sink each request as a JSON line; both refuse on purpose when asked to."""

import email
import email.policy
import io
import json
import signal
import socket
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest
from crm_launcher.broker import port_is_free
from crm_launcher.logs import PrefixedPrinter
from crm_launcher.mail_catcher import MailCatcher
from crm_launcher.sinks import development_sinks
from crm_launcher.sms_sink import SmsSink

from tests.launcher.harness import LauncherFactory


@pytest.fixture
async def catcher(tmp_path: Path) -> AsyncIterator[MailCatcher]:
    catcher = MailCatcher("127.0.0.1", 0, tmp_path / "mail")
    await catcher.start()
    yield catcher
    await catcher.stop()


def a_message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "CRM <crm@localhost>"
    message["To"] = to
    message["Subject"] = "Grüße aus dem CRM"
    message["Message-ID"] = "<m-1@localhost>"
    message.set_content("Hallo Ada")
    message.add_alternative("<p>Hallo <b>Ada</b></p>", subtype="html")
    return message


def read_eml(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


async def send_to(port: int, *messages: EmailMessage) -> None:
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, local_hostname="test") as smtp:
        for message in messages:
            await smtp.send_message(message)


async def test_the_catcher_writes_each_message_as_an_eml_file(catcher: MailCatcher) -> None:
    await send_to(catcher.port, a_message("ada@customer.example"), a_message("bob@x.example"))

    files = sorted(catcher.folder.glob("*.eml"))
    assert len(files) == 2
    assert not list(catcher.folder.glob("*.part"))
    first = read_eml(files[0])
    assert first["To"] == "ada@customer.example"
    assert first["Subject"] == "Grüße aus dem CRM"
    assert first["Message-ID"] == "<m-1@localhost>"
    plain = first.get_body(preferencelist=("plain",))
    html = first.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().strip() == "Hallo Ada"
    assert html.get_content().strip() == "<p>Hallo <b>Ada</b></p>"
    assert read_eml(files[1])["To"] == "bob@x.example"


async def test_the_catcher_refuses_recipients_at_bounce_invalid(catcher: MailCatcher) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send_to(catcher.port, a_message("nobody@bounce.invalid"))

    (refusal,) = refused.value.recipients
    assert refusal.code == 550
    assert "5.1.1" in refusal.message
    assert not list(catcher.folder.glob("*.eml"))


async def test_the_sms_sink_logs_each_request_and_refuses_numbers_ending_0000(
    tmp_path: Path,
) -> None:
    sink = SmsSink("127.0.0.1", 0, tmp_path / "sms")
    await sink.start()
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            taken = await client.post(sink.url, json={"to": "+4915112345678", "text": "Hi"})
            refused = await client.post(sink.url, json={"to": "+4915100000000", "text": "Hi"})
            nonsense = await client.post(sink.url, content=b"not json")
            health = await client.get(sink.url)
    finally:
        await sink.stop()

    assert taken.status_code == 202
    assert taken.json()["status"] == "accepted"
    assert refused.status_code == 400
    assert "invalid number" in refused.json()["error"]
    assert nonsense.status_code == 400
    assert health.status_code == 200
    lines = [json.loads(line) for line in sink.log.read_text().splitlines()]
    assert [(line["status"], line["body"]["to"]) for line in lines] == [
        (202, "+4915112345678"),
        (400, "+4915100000000"),
    ]
    assert lines[0]["path"] == "/messages"


async def test_the_sinks_run_only_for_marketing_and_point_it_at_them(tmp_path: Path) -> None:
    printer = PrefixedPrinter([], stream=io.StringIO(), colour=False)
    configured = {"CRM_MAIL_CATCHER_PORT": "0", "CRM_SMS_SINK_PORT": "0"}
    child_env: dict[str, str] = {}

    async with development_sinks(["customer"], configured, child_env, tmp_path, printer) as notes:
        assert (notes, child_env) == ([], {})

    async with development_sinks(["marketing"], configured, child_env, tmp_path, printer) as notes:
        assert len(notes) == 2
        smtp_url = child_env["CRM_MARKETING_SMTP_URL"]
        assert smtp_url.startswith("smtp://127.0.0.1:")
        assert child_env["CRM_MARKETING_SMS_URL"].endswith("/messages")
        await send_to(int(smtp_url.rpartition(":")[2]), a_message("ada@customer.example"))
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


async def test_a_marketing_url_set_by_the_operator_wins(tmp_path: Path) -> None:
    printer = PrefixedPrinter([], stream=io.StringIO(), colour=False)
    configured = {"CRM_MARKETING_SMTP_URL": "smtp://mail.example:25", "CRM_SMS_SINK_PORT": "0"}
    child_env = dict(configured)

    async with development_sinks(["marketing"], configured, child_env, tmp_path, printer) as notes:
        assert [note.split(":")[0] for note in notes] == ["SMS sink"]
        assert child_env["CRM_MARKETING_SMTP_URL"] == "smtp://mail.example:25"


async def test_a_taken_port_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    output = io.StringIO()
    printer = PrefixedPrinter([], stream=output, colour=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        configured = {"CRM_MAIL_CATCHER_PORT": str(port), "CRM_SMS_SINK_PORT": "0"}
        child_env: dict[str, str] = {}
        async with development_sinks(["marketing"], configured, child_env, tmp_path, printer):
            assert child_env["CRM_MARKETING_SMTP_URL"] == f"smtp://127.0.0.1:{port}"
    assert f"warning: no development mail catcher (smtp://127.0.0.1:{port}" in output.getvalue()


async def test_crm_up_runs_the_sinks_before_marketing(launcher_factory: LauncherFactory) -> None:
    launcher = await launcher_factory.start({"marketing": "serve"})
    await launcher.wait_for_output("all services ready")

    mail_port = launcher.env["CRM_MAIL_CATCHER_PORT"]
    sms_port = launcher.env["CRM_SMS_SINK_PORT"]
    child_env = launcher.child_record("marketing")["env"]
    assert child_env["CRM_MARKETING_SMTP_URL"] == f"smtp://127.0.0.1:{mail_port}"
    assert child_env["CRM_MARKETING_SMS_URL"] == f"http://127.0.0.1:{sms_port}/messages"
    assert f"mail catcher: smtp://127.0.0.1:{mail_port}" in launcher.output
    await send_to(int(mail_port), a_message("ada@customer.example"))
    (eml,) = (Path(launcher.env["CRM_DATA_DIR"]) / "mail").glob("*.eml")
    assert read_eml(eml)["To"] == "ada@customer.example"

    launcher.send(signal.SIGINT)
    assert await launcher.exit_code() == 0, launcher.output
    # The sinks stopped with the launcher: their ports are free again.
    assert port_is_free("127.0.0.1", int(mail_port))
    assert port_is_free("127.0.0.1", int(sms_port))

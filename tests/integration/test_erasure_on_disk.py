"""Erasure leaves nothing on disk: after a customer is erased and every view has erased it,
no file under the data folder holds the person's e-mail, phone, name or street, byte for
byte: not
each service's SQLite database, nor its -wal and -shm files, nor the bundled broker's log
(the folder is laid out as ``crm up`` lays it out); nor does anything the services logged
meanwhile, rendered as in production.

The platform runs on a broker of its own, so that its views hold this test's customer only
(on the session broker a new platform reads every earlier test's customers too).

SQLite only: the scan reads the files a service keeps (PostgreSQL keeps its files on the
server, and frees old row versions at its own pace, see the README's "Privacy").
"""

import contextlib
import email
import email.message
import email.policy
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from crm_launcher.broker import BundledBroker, free_port
from crm_shared.logging import JsonFormatter

from tests.helpers import wait_for
from tests.integration.platform import (
    PROPAGATION_TIMEOUT,
    SERVICES,
    Platform,
    e164,
    has_name,
    is_tombstone,
    unique_person,
)

pytestmark = pytest.mark.integration

# How long after the last view shows the tombstone its files may still hold the data: the
# checkpoint runs right after the erasing transaction commits, but the tombstone is visible
# to readers a moment before that.
SCRUB_TIMEOUT = 15.0


@pytest.fixture
async def data_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    folder.mkdir()
    return folder


class Sink:
    """Keeps what it is sent (outside the data folder: the scan does not read it)."""

    def __init__(self) -> None:
        self.mails: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append(envelope.content)
        return "250 2.0.0 Ok"


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
async def platform_on_files(data_folder: Path, sink: Sink) -> AsyncIterator[Platform]:
    """``crm up``'s layout: <data folder>/<service>.db and <data folder>/broker.log."""
    broker = BundledBroker(port=free_port(), log=data_folder / "broker.log")
    await broker.start_async()
    # Marketing's e-mail goes to an SMTP server outside the data folder (as in production).
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        urls = {name: f"sqlite+aiosqlite:///{data_folder / f'{name}.db'}" for name in SERVICES}
        marketing = {
            "smtp_url": f"smtp://127.0.0.1:{smtp.port}",
            "link_secret": "scan-key",
            "quiet_hours_start": "00:00",  # the test runs at any hour
            "quiet_hours_end": "00:00",
            "reply_domain": "replies.example.com",
        }
        running = Platform(broker.bootstrap, urls, overrides={"marketing": marketing})
        await running.start()
        try:
            yield running
        finally:
            await running.stop()
    finally:
        smtp.stop()
        broker.stop()


def with_address(person: dict[str, Any]) -> dict[str, Any]:
    """``person`` with a postal address whose street is theirs alone (direct mail)."""
    street = f"{person['name'].rsplit(' ', 1)[-1]} Erasure Lane 1"
    address = {"street": street, "postal_code": "10115", "country": "DE"}
    return {**person, "address": address, "geographic": {"city": "Berlin"}}


def secrets_of(person: dict[str, Any]) -> list[bytes]:
    """The person's data as it may be stored: as given, and the phone in E.164 form."""
    values = [person["email"], person["name"], person["phone"], e164(person["phone"])]
    values.append(person["address"]["street"])
    return sorted({value.encode() for value in values})


def files_holding(paths: list[Path], secrets: list[bytes]) -> dict[str, list[str]]:
    """Every file (by name) whose bytes contain one of ``secrets``, with the ones found."""
    found: dict[str, list[str]] = {}
    for path in paths:
        with contextlib.suppress(FileNotFoundError):  # a -wal file can go at any time
            content = path.read_bytes()
            hits = [secret.decode() for secret in secrets if secret in content]
            if hits:
                found[path.name] = hits
    return found


async def sales_records_about(platform: Platform, customer_id: str, person: dict[str, Any]) -> None:
    """A lead with the person's data (matched to the customer by its e-mail), a call about
    them and a deal named after them: sales' own tables must forget them too."""
    sales = platform.clients["sales"]
    lead = await sales.post(
        "/v1/leads",
        json={"name": person["name"], "email": person["email"], "phone": person["phone"]},
    )
    assert lead.status_code == 201, lead.text
    assert lead.json()["customer_id"] == customer_id
    for path, body in (
        (
            "/v1/activities",
            {
                "kind": "call",
                "subject": f"Call {person['name']}",
                "due_at": "2030-01-01T09:00:00Z",
                "lead_id": lead.json()["id"],
                "customer_id": customer_id,
            },
        ),
        (
            "/v1/opportunities",
            {"customer_id": customer_id, "name": f"{person['name']} kitchen", "amount": "100"},
        ),
    ):
        response = await sales.post(path, json=body)
        assert response.status_code == 201, response.text


async def support_records_about(
    platform: Platform, customer_id: str, person: dict[str, Any]
) -> None:
    """A complaint whose story names the person, a note and a contact quoting them, a
    goodwill voucher, a survey comment, a visit's notes and a follow-up call's note:
    support's own tables must forget them too."""
    support = platform.clients["support"]
    ticket = await support.post(
        "/v1/tickets",
        json={
            "customer_id": customer_id,
            "kind": "complaint",
            "category": "delivery",
            "channel": "phone",
            "description": f"{person['name']} ({person['phone']}) never got the parcel",
            "desired_resolution": f"Call {person['name']} back on {person['phone']}",
            "received_by": "agent-1",
        },
    )
    assert ticket.status_code == 201, ticket.text
    path = f"/v1/tickets/{ticket.json()['id']}"
    for step, body in (
        ("/notes", {"text": f"{person['name']} wrote from {person['email']}"}),
        ("/contacts", {"direction": "outbound", "channel": "phone", "summary": person["name"]}),
        ("/recoveries", {"kind": "voucher", "cost": "20", "description": person["name"]}),
    ):
        response = await support.post(path + step, json=body)
        assert response.status_code in (200, 201), response.text
    for status in ("acknowledged", "investigating", "responsibility_determined",
                   "resolution_proposed", "accepted", "resolved"):  # fmt: skip
        moved = await support.post(path + "/transitions", json={"to": status})
        assert moved.status_code == 200, moved.text
    survey = await support.post(
        path + "/survey",
        json={"answers": [{"item": "overall", "score": 5}], "comment": person["name"]},
    )
    assert survey.status_code == 201, survey.text
    visit = await support.post(
        "/v1/visits",
        json={"customer_id": customer_id, "kind": "repair", "notes": f"{person['name']} came"},
    )
    assert visit.status_code == 201, visit.text
    [call] = (await support.get(f"/v1/follow-up-calls?customer_id={customer_id}")).json()["items"]
    outcome = await support.post(
        f"/v1/follow-up-calls/{call['id']}/outcome",
        json={"problem_fixed": True, "satisfied": True, "note": f"{person['phone']} answered"},
    )
    assert outcome.status_code == 200, outcome.text


async def marketing_records_about(
    platform: Platform, customer_id: str, person: dict[str, Any], sink: Sink
) -> None:
    """A campaign to a segment holding the person, delivered (its message keeps the address
    it went to), answered through its response page and by a reply that name them, and a
    letter to them on a mail campaign's list: marketing's own tables must forget them too."""
    for channel in ("email", "post"):
        response = await platform.clients["customer"].put(
            f"/v1/customers/{customer_id}/consent/{channel}",
            json={"granted": True, "source": "sign-up form"},
            headers=await platform.if_match(customer_id),
        )
        assert response.status_code == 200, response.text
    segment = await platform.clients["analytics"].post(
        "/v1/segments",
        json={
            "name": "E-mailable",
            "filter": {"field": "consent", "op": "contains", "value": "email"},
        },
    )
    assert segment.status_code == 201, segment.text
    marketing = platform.clients["marketing"]
    reach = f"/v1/segments/{segment.json()['id']}/reach"

    async def in_the_audience() -> bool:
        return (await marketing.get(reach)).json()["reachable"]["email"] == 1

    await wait_for(in_the_audience, timeout=2 * PROPAGATION_TIMEOUT, message="the audience")
    campaign = await marketing.post(
        "/v1/campaigns",
        json={
            "name": "Spring",
            "channel": "email",
            "segment_id": segment.json()["id"],
            "message": {"subject": "Hi {{ first_name }}", "body": "Answer: {{ response_url }}"},
        },
    )
    assert campaign.status_code == 201, campaign.text
    results = f"/v1/campaigns/{campaign.json()['id']}/results"
    launched = await marketing.post(
        f"/v1/campaigns/{campaign.json()['id']}/launch",
        headers={"If-Match": campaign.headers["ETag"]},
    )
    assert launched.status_code == 202, launched.text

    async def delivered() -> bool:
        return bool((await marketing.get(results)).json()["delivered"] == 1)

    await wait_for(delivered, timeout=PROPAGATION_TIMEOUT, message="the send")
    mail = email.message_from_bytes(sink.mails[-1], policy=email.policy.default)
    body = mail.get_body(("plain",))
    assert isinstance(body, email.message.EmailMessage)
    (page,) = re.findall(r"https?://[^/\s]+(/v1/respond/\S+)", body.get_content())
    answered = await marketing.post(
        page,
        content=urlencode({"comment": f"Call me on {person['phone']}"}),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answered.status_code == 200, answered.text
    reply = {"to": mail["Reply-To"], "from": person["email"], "text": f"{person['name']} here"}
    replied = await marketing.post("/v1/inbound/replies", json=reply)
    assert replied.json()["recorded"], replied.text
    letters = await marketing.post(
        "/v1/campaigns",
        json={
            "name": "Spring by post",
            "channel": "mail",
            "segment_id": segment.json()["id"],
            "message": {"body": "Dear {{ name }}, spring is here"},
        },
    )
    assert letters.status_code == 201, letters.text
    launched = await marketing.post(
        f"/v1/campaigns/{letters.json()['id']}/launch",
        headers={"If-Match": letters.headers["ETag"]},
    )
    assert launched.status_code == 202, launched.text
    mail_list = f"/v1/campaigns/{letters.json()['id']}/mail-list"

    async def listed() -> bool:
        return (await marketing.get(mail_list)).text.count("Erasure Lane") == 1

    await wait_for(listed, timeout=PROPAGATION_TIMEOUT, message="the letter")


def every_file(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


async def test_an_erased_customer_is_in_no_file_of_any_service(
    platform_on_files: Platform, data_folder: Path, sink: Sink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    platform = platform_on_files
    person = with_address(unique_person("Grace"))
    secrets = secrets_of(person)

    created = await platform.create_customer(**person)
    customer_id = created["id"]
    await platform.wait_everywhere(customer_id, has_name(person["name"]), what="the creation")
    await sales_records_about(platform, customer_id, person)
    await support_records_about(platform, customer_id, person)
    await marketing_records_about(platform, customer_id, person, sink)

    # The scan sees the person while they are there, in every service's files.
    before = files_holding(every_file(data_folder), secrets)
    for service in SERVICES:
        assert any(name.startswith(f"{service}.db") for name in before), (service, before)

    await platform.erase(customer_id)
    await platform.wait_everywhere(customer_id, is_tombstone, what="the erasure")

    async def nothing_left() -> bool:
        return files_holding(every_file(data_folder), secrets) == {}

    try:
        await wait_for(nothing_left, timeout=SCRUB_TIMEOUT, interval=0.2)
    except AssertionError:
        left = files_holding(every_file(data_folder), secrets)
        sizes = {p.name: p.stat().st_size for p in every_file(data_folder) if p.exists()}
        raise AssertionError(
            f"{SCRUB_TIMEOUT}s after every view erased the customer, these files still hold "
            f"their data: {left} (file sizes: {sizes})"
        ) from None

    formatter = JsonFormatter("test")
    logged = "\n".join(
        formatter.format(record)
        for record in caplog.records
        # aiokafka is silenced in production (CRITICAL); mail.log is the test's SMTP server,
        # which stands for the mail server outside the platform.
        if not record.name.startswith(("aiokafka", "mail.log"))
    ).encode()
    assert [s.decode() for s in secrets if s in logged] == []

"""Marketing across the bus, on the real broker and a real SMTP server (aiosmtpd in the
test): a campaign to an analytics segment (or to an inline filter analytics saves as one)
reaches exactly its consenting members, once each, over SMTP, with a working unsubscribe
link and the RFC 8058 headers; following the link turns the consent off in the customer
master; a restart in the middle of a send sends nobody twice.
"""

import email
import email.policy
import re
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import wait_for
from tests.integration.platform import (
    PROPAGATION_TIMEOUT,
    SERVICES,
    Platform,
    unique_person,
)

pytestmark = pytest.mark.integration

CHAIN_TIMEOUT = 2 * PROPAGATION_TIMEOUT  # master -> analytics -> marketing


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 2.0.0 Ok: queued"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
async def marketing_platform(
    make_database: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
    smtp: tuple[Inbox, str],
) -> AsyncIterator[Callable[..., Awaitable[Platform]]]:
    """Starts a platform whose marketing sends to the test's SMTP server (with the settings
    given besides); stops it after the test."""
    started: list[Platform] = []

    async def start(**marketing: Any) -> Platform:
        urls = {name: await make_database(name) for name in SERVICES}
        overrides = {
            "marketing": {
                "smtp_url": smtp[1],
                "link_secret": "integration-test-link-key",
                "send_idle_poll_seconds": 0.1,
                # The tests run at any hour: no quiet hours (their rule has its own tests).
                "quiet_hours_start": "00:00",
                "quiet_hours_end": "00:00",
                **marketing,
            }
        }
        platform = Platform(kafka_bootstrap, urls, overrides=overrides)
        await platform.start()
        started.append(platform)
        return platform

    try:
        yield start
    finally:
        for platform in started:
            await platform.stop()


async def customers_in_a_segment(
    platform: Platform, people: dict[str, bool]
) -> tuple[str, dict[str, dict[str, Any]]]:
    """Customers (name -> e-mail consent) sharing a new tag, and an analytics segment of that
    tag; waits until marketing knows every member. Returns (segment id, customers by name)."""
    tag = f"spring-{uuid.uuid4().hex[:8]}"
    created = {}
    for name, consent in people.items():
        person = await platform.create_customer(**unique_person(name.title()), tags=[tag])
        if consent:
            response = await platform.clients["customer"].put(
                f"/v1/customers/{person['id']}/consent/email",
                json={"granted": True, "source": "sign-up form"},
                headers=await platform.if_match(person["id"]),
            )
            assert response.status_code == 200, response.text
        created[name] = person
    segment = await platform.clients["analytics"].post(
        "/v1/segments",
        json={"name": f"Tag {tag}", "filter": {"field": "tags", "op": "contains", "value": tag}},
    )
    assert segment.status_code == 201, segment.text
    segment_id = segment.json()["id"]
    consenting = sum(people.values())

    async def marketing_knows_them() -> bool:
        reach = await platform.clients["marketing"].get(f"/v1/segments/{segment_id}/reach")
        body = reach.json()
        return body["members"] == len(people) and body["reachable"]["email"] == consenting

    await wait_for(marketing_knows_them, timeout=CHAIN_TIMEOUT, message="the audience")
    return segment_id, created


async def launch(platform: Platform, segment_id: str | None, **fields: Any) -> str:
    """Plan and launch a campaign to the segment (None: ``fields`` give an inline audience)."""
    marketing = platform.clients["marketing"]
    audience = {"segment_id": segment_id} if segment_id is not None else {}
    created = await marketing.post(
        "/v1/campaigns",
        json={
            "name": "Spring news",
            "channel": "email",
            **audience,
            "message": {
                "subject": "Spring news for {{ first_name }}",
                "body": "Dear {{ first_name }}, see https://shop.example.org/spring",
            },
            **fields,
        },
    )
    assert created.status_code == 201, created.text
    campaign_id: str = created.json()["id"]
    launched = await marketing.post(
        f"/v1/campaigns/{campaign_id}/launch", headers={"If-Match": created.headers["ETag"]}
    )
    assert launched.status_code == 202, launched.text
    return campaign_id


async def results(platform: Platform, campaign_id: str) -> dict[str, Any]:
    response = await platform.clients["marketing"].get(f"/v1/campaigns/{campaign_id}/results")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_campaign_reaches_the_consenting_members_once_and_unsubscribe_round_trips(
    marketing_platform: Callable[..., Awaitable[Platform]], smtp: tuple[Inbox, str]
) -> None:
    platform = await marketing_platform()
    inbox = smtp[0]
    segment_id, people = await customers_in_a_segment(
        platform, {"ann": True, "bob": True, "cy": False}
    )
    campaign_id = await launch(platform, segment_id)

    async def settled() -> bool:
        figures = await results(platform, campaign_id)
        return figures["pending"] == 0 and figures["delivered"] == 2

    await wait_for(settled, timeout=PROPAGATION_TIMEOUT, message="the campaign's sends")
    assert sorted(m["To"] for m in inbox.messages) == sorted(
        [people["ann"]["email"], people["bob"]["email"]]
    )
    assert (await results(platform, campaign_id))["suppressed"] == {"no_consent": 1}

    (mail,) = inbox.to(people["ann"]["email"])
    assert mail["Subject"] == "Spring news for Ann"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(.+)>", mail["List-Unsubscribe"])
    assert unsubscribe is not None
    path = re.sub(r"^https?://[^/]+", "", unsubscribe.group(1))
    text = mail.get_body(("plain",))
    assert text is not None
    assert path in text.get_content()

    one_click = await platform.clients["marketing"].post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200, one_click.text

    async def consent_off_in_the_master() -> bool:
        response = await platform.clients["customer"].get(f"/v1/customers/{people['ann']['id']}")
        return response.json()["consent"].get("email") is False

    await wait_for(consent_off_in_the_master, timeout=PROPAGATION_TIMEOUT, message="the master")


async def test_a_restart_in_the_middle_of_a_send_sends_nobody_twice(
    marketing_platform: Callable[..., Awaitable[Platform]], smtp: tuple[Inbox, str]
) -> None:
    platform = await marketing_platform(send_batch_size=2, send_claim_lease_seconds=1)
    inbox = smtp[0]
    names = {f"p{n}": True for n in range(12)}
    segment_id, people = await customers_in_a_segment(platform, names)
    campaign_id = await launch(platform, segment_id)
    await wait_for(lambda: len(inbox.messages) >= 1, timeout=PROPAGATION_TIMEOUT, message="a send")
    await platform.stop_service("marketing")  # in the middle of the campaign
    await platform.start_service("marketing")

    async def finished() -> bool:
        figures = await results(platform, campaign_id)
        return figures["pending"] == 0

    await wait_for(finished, timeout=PROPAGATION_TIMEOUT, message="the rest of the campaign")
    received = [m["To"] for m in inbox.messages]
    assert len(received) == len(set(received))  # nobody twice
    figures = await results(platform, campaign_id)
    # Every member is settled once: delivered, or unknown (claimed by the stopped sender,
    # maybe handed to the server before it stopped, never resent).
    assert figures["delivered"] + figures["unknown"] == len(people)
    assert figures["delivered"] <= len(received) <= len(people)


async def test_a_campaign_with_an_inline_audience_reaches_the_matching_consenting_customers(
    marketing_platform: Callable[..., Awaitable[Platform]], smtp: tuple[Inbox, str]
) -> None:
    """Marketing asks analytics for the filter's segment; the launch waits for its members
    (the evaluated event and its joins, in any order over the partitions), then sends."""
    platform = await marketing_platform()
    inbox = smtp[0]
    tag = f"inline-{uuid.uuid4().hex[:8]}"
    people = {}
    for name, consent in {"ann": True, "bob": True, "cy": False}.items():
        person = await platform.create_customer(**unique_person(name.title()), tags=[tag])
        if consent:
            response = await platform.clients["customer"].put(
                f"/v1/customers/{person['id']}/consent/email",
                json={"granted": True, "source": "sign-up form"},
                headers=await platform.if_match(person["id"]),
            )
            assert response.status_code == 200, response.text
        people[name] = person
    audience = {"field": "tags", "op": "contains", "value": tag}

    async def analytics_knows_them() -> bool:
        preview = await platform.clients["analytics"].post(
            "/v1/segments/preview", json={"filter": audience}
        )
        return bool(preview.json()["size"] == len(people))

    await wait_for(analytics_knows_them, timeout=PROPAGATION_TIMEOUT, message="the profiles")
    campaign_id = await launch(platform, None, audience=audience)

    async def settled() -> bool:
        figures = await results(platform, campaign_id)
        return figures["audience"] == len(people) and figures["pending"] == 0

    await wait_for(settled, timeout=2 * CHAIN_TIMEOUT, message="the inline audience's sends")
    assert sorted(m["To"] for m in inbox.messages) == sorted(
        [people["ann"]["email"], people["bob"]["email"]]
    )
    figures = await results(platform, campaign_id)
    assert (figures["delivered"], figures["suppressed"]) == (2, {"no_consent": 1})
    campaign = await platform.clients["marketing"].get(f"/v1/campaigns/{campaign_id}")
    segment = await platform.clients["analytics"].get(
        f"/v1/segments/{campaign.json()['segment_id']}"
    )
    assert segment.json()["name"] == "Campaign: Spring news"

"""Direct mail: a mail campaign writes one line per consenting addressee to its mail list
(once, even when a batch is written again), exported as CSV or JSON to callers who may see
personal data; erasure scrubs a customer's lines, a merge hands them to the survivor."""

import csv
import io
from collections.abc import Sequence
from typing import Any

import httpx
from crm_marketing.channels.base import OutgoingMessage, SendResult
from crm_marketing.channels.mail import MailListChannel
from crm_marketing.mail_lists.models import MailListEntry
from crm_marketing.sends.sender import Sender
from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.testing import (
    app_client,
    assert_problem,
    erased,
    merged,
    outbox_events,
    uid,
)
from fastapi import FastAPI
from sqlalchemy import select

from services.marketing.tests.marketing_harness import (
    deliver_events,
    launched,
    members,
    results,
    send_all,
)

ADDRESS = {
    "street": "Invalidenstr. 1",
    "postal_code": "10115",
    "city": "Berlin",
    "region": "Berlin",
    "country": "DE",
}
POST = {"post": True}
LETTER = {"body": "Dear {{ first_name }}, see https://shop.example.org/spring{{ unsubscribe_url }}"}


class KeptMailListChannel(MailListChannel):
    """The real channel, keeping what it was handed (to hand it over again)."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(app.state.runtime.unit_of_work)
        self.handed: list[OutgoingMessage] = []

    async def send(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        self.handed += messages
        return await super().send(messages)


def mail_sender(app: FastAPI, channel: MailListChannel) -> Sender:
    runtime = app.state.runtime
    return Sender(runtime.unit_of_work, runtime.settings, {MarketingChannel.MAIL: channel})


async def entries(app: FastAPI) -> list[MailListEntry]:
    async with app.state.runtime.session_factory() as session:
        return list((await session.scalars(select(MailListEntry))).all())


async def mailed(app: FastAPI, client: httpx.AsyncClient) -> dict[str, Any]:
    """A mail campaign to ann (who may get letters), sent."""
    await members(app, "ann", consent=POST, postal_address=ADDRESS)
    campaign = await launched(client, channel="mail", message=LETTER)
    await send_all(mail_sender(app, MailListChannel(app.state.runtime.unit_of_work)))
    return campaign


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_each_consenting_addressee_is_listed_once_as_plain_text(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", consent=POST, postal_address=ADDRESS)
    await members(app, "bob", consent=POST)
    await members(app, "cy", postal_address=ADDRESS)
    await members(app, "dee", consent=POST, postal_address={**ADDRESS, "postal_code": None})
    campaign = await launched(client, channel="mail", message=LETTER)
    channel = KeptMailListChannel(app)
    await send_all(mail_sender(app, channel))
    await send_all(mail_sender(app, channel))  # nothing twice
    [letter] = channel.handed
    # Written again (a sender retrying the batch): the list keeps one line.
    [again] = await MailListChannel(app.state.runtime.unit_of_work).send([letter])
    assert again.outcome == "posted"
    [entry] = await entries(app)
    assert (entry.id, entry.customer_id, entry.campaign_id) == (
        letter.message_id,
        uid("ann"),
        campaign["id"],
    )
    assert (entry.name, entry.street, entry.postal_code, entry.city, entry.country) == (
        "Ann Tester",
        "Invalidenstr. 1",
        "10115",
        "Berlin",
        "DE",
    )
    # Plain text: no link tracked, no unsubscribe URL (paper cannot be tracked).
    assert entry.text == "Dear Ann, see https://shop.example.org/spring"
    figures = await results(client, campaign["id"])
    assert (figures["sent"], figures["delivered"], figures["pending"]) == (1, 0, 0)
    assert figures["suppressed"] == {
        "incomplete_address": 1,
        "no_address": 1,
        "no_consent": 1,
    }
    assert len(await outbox_events(app, "crm.marketing.message.sent.v1")) == 1
    assert await outbox_events(app, "crm.marketing.message.delivered.v1") == []


async def test_the_mail_list_is_csv_by_default_and_json_on_request(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    campaign = await mailed(app, client)
    url = f"/v1/campaigns/{campaign['id']}/mail-list"
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0] == "name,street,postal_code,city,region,country,text"
    assert csv_rows(response) == [
        {
            "name": "Ann Tester",
            **ADDRESS,
            "text": "Dear Ann, see https://shop.example.org/spring",
        }
    ]
    for asked in ({"params": {"format": "json"}}, {"headers": {"Accept": "application/json"}}):
        answer = await client.get(url, **asked)
        assert answer.headers["content-type"].startswith("application/json"), asked
        [item] = answer.json()["items"]
        assert (item["customer_id"], item["street"], item["step"]) == (
            uid("ann"),
            "Invalidenstr. 1",
            1,
        )


async def test_the_mail_list_needs_campaigns_write_and_personal_data(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    campaign = await mailed(app, client)
    url = f"/v1/campaigns/{campaign['id']}/mail-list"
    for role in ("analyst", "sales", "support"):
        async with app_client(app, "http://marketing", role=role) as other:
            assert_problem(await other.get(url), 403)
    async with app_client(app, "http://marketing", role="marketing") as marketer:
        assert len(csv_rows(await marketer.get(url))) == 1


async def test_only_a_known_mail_campaign_has_a_mail_list(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann")
    email = await launched(client)
    assert_problem(await client.get(f"/v1/campaigns/{email['id']}/mail-list"), 409)
    assert_problem(await client.get(f"/v1/campaigns/{uid('nothing')}/mail-list"), 404)


async def test_erasure_scrubs_the_letters_and_a_merge_hands_them_to_the_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    campaign = await mailed(app, client)
    await deliver_events(app, merged(uid("zed"), uid("ann"), 3))
    [entry] = await entries(app)
    assert entry.customer_id == uid("zed")
    await deliver_events(app, erased(uid("zed"), 4))
    [entry] = await entries(app)
    personal = (entry.name, entry.street, entry.postal_code, entry.city, entry.region)
    assert personal == (None,) * 5
    assert (entry.country, entry.text) == (None, None)
    response = await client.get(f"/v1/campaigns/{campaign['id']}/mail-list")
    assert csv_rows(response) == []


async def test_the_customer_view_masks_the_address_lines_without_pii(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    [ann] = await members(app, "ann", postal_address=ADDRESS)
    full = (await client.get(f"/v1/customers/{ann}")).json()
    assert full["postal_address"] == ADDRESS
    async with app_client(app, "http://marketing", role="analyst") as analyst:
        masked = (await analyst.get(f"/v1/customers/{ann}")).json()
    assert masked["postal_address"] == {**ADDRESS, "street": "***", "postal_code": "***"}

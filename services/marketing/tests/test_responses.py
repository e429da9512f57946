"""Responses besides a click: the response page (``{{ response_url }}``: a GET changes
nothing, the first POST records a form response with its comment kept here and not in the
event, a second one records nothing) and a reply to the e-mail's signed ``Reply-To`` (once per
message; a forged address is a 404; the endpoint needs ``campaigns:write``). The results
count each message once in ``responded`` and once per kind; erasure clears what was written."""

import re
from typing import Any

import httpx
import pytest
from crm_marketing.tracking.urls import links_for
from crm_shared.testing import outbox_events, uid
from crm_shared.testing.auth import bearer, token_for
from crm_shared.testing.customer_events import erased
from fastapi import FastAPI
from sqlalchemy import text

from services.marketing.tests.marketing_harness import (
    RecordingChannel,
    deliver_events,
    launched,
    members,
    results,
    send_all,
    sender,
)

REPLY_DOMAIN = "replies.example.com"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"reply_domain": REPLY_DOMAIN}


@pytest.fixture
async def mail(app: FastAPI, client: httpx.AsyncClient) -> tuple[str, str, str]:
    """(campaign id, the response page's path, the Reply-To) of the e-mail ann got."""
    await members(app, "ann")
    campaign = await launched(
        client,
        message={
            "subject": "Hi",
            "body": "Interested? {{ response_url }} or see https://shop.example.org/x",
        },
    )
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    (message,) = channel.sent
    (page,) = re.findall(r"https?://\S+/v1/respond/\S+", message.text)
    assert "/click" not in page  # the response page is no tracked click
    return campaign["id"], re.sub(r"^https?://[^/]+", "", page), message.headers["Reply-To"]


def anonymous(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://marketing")


async def test_the_response_page_asks_on_get_and_records_the_first_post(
    app: FastAPI, client: httpx.AsyncClient, mail: tuple[str, str, str]
) -> None:
    campaign_id, page, _ = mail
    async with anonymous(app) as visitor:
        form = await visitor.get(page)
        assert form.status_code == 200
        assert '<label for="comment">' in form.text
        assert 'name="comment"' in form.text
        assert "Ann" not in form.text
        assert "ann@example.org" not in form.text
        assert await outbox_events(app, "crm.marketing.responded.v1") == []
        first = await visitor.post(page, content="comment=Call+me+on+Friday", headers=FORM)
        again = await visitor.post(page, content="comment=Twice", headers=FORM)
    assert (first.status_code, again.status_code) == (200, 200)
    assert "Thank you" in first.text
    assert "Thank you" in again.text
    (response,) = await outbox_events(app, "crm.marketing.responded.v1")
    assert (response.payload.kind, response.payload.campaign_id) == ("form", campaign_id)
    assert response.payload.customer_id == uid("ann")
    assert response.payload.detail is None  # what the customer wrote stays here
    assert await _written(app) == ("Call me on Friday", None)
    figures = await results(client, campaign_id)
    assert figures["responded"] == 1
    assert figures["responses"] == {"click": 0, "form": 1, "reply": 0}
    assert figures["opened"] == 1  # an answer shows the message was read


async def test_a_forged_response_link_is_not_found_and_records_nothing(
    app: FastAPI, mail: tuple[str, str, str]
) -> None:
    _, page, _ = mail
    token = page.rsplit("/", 1)[1]
    altered = page.replace(token, token[:-2] + ("aa" if not token.endswith("aa") else "bb"))
    async with anonymous(app) as visitor:
        assert (await visitor.get(altered)).status_code == 404
        assert (await visitor.post(altered, content="comment=x", headers=FORM)).status_code == 404
        assert (await visitor.get("/v1/respond/bm90LWEtdG9rZW4")).status_code == 404
    assert await outbox_events(app, "crm.marketing.responded.v1") == []


async def test_a_reply_is_a_response_once_per_message(
    app: FastAPI, client: httpx.AsyncClient, mail: tuple[str, str, str]
) -> None:
    campaign_id, _, reply_to = mail
    mailbox, domain = reply_to.split("@")
    assert domain == REPLY_DOMAIN
    assert len(mailbox) <= 64
    body = {"to": f"Spring news <{reply_to.upper()}>", "from": "ann@example.org", "text": "Yes!"}
    first = await client.post("/v1/inbound/replies", json=body)
    assert first.status_code == 200, first.text
    assert first.json() == {"recorded": True, "campaign_id": campaign_id}
    again = await client.post("/v1/inbound/replies", json={**body, "text": "Yes again"})
    assert again.json() == {"recorded": False, "campaign_id": campaign_id}
    (response,) = await outbox_events(app, "crm.marketing.responded.v1")
    assert (response.payload.kind, response.payload.detail) == ("reply", None)
    assert await _written(app) == (None, "Yes!")
    figures = await results(client, campaign_id)
    assert (figures["responded"], figures["responses"]["reply"]) == (1, 1)


async def test_a_forged_reply_address_is_not_found(
    app: FastAPI, client: httpx.AsyncClient, mail: tuple[str, str, str]
) -> None:
    _, _, reply_to = mail
    mailbox, domain = reply_to.split("@")
    altered = mailbox[:-1] + ("a" if mailbox[-1] != "a" else "b")
    for to in (f"{altered}@{domain}", f"news@{domain}", "reply+@x", "reply+!!@x"):
        answer = await client.post("/v1/inbound/replies", json={"to": to, "from": "a@b.c"})
        assert answer.status_code == 404, to
        assert answer.headers["content-type"] == "application/problem+json"
    assert await outbox_events(app, "crm.marketing.responded.v1") == []


async def test_the_reply_endpoint_needs_campaigns_write(
    app: FastAPI, mail: tuple[str, str, str]
) -> None:
    _, _, reply_to = mail
    body = {"to": reply_to, "from": "ann@example.org"}
    async with anonymous(app) as nobody:
        assert (await nobody.post("/v1/inbound/replies", json=body)).status_code == 401
        analyst = bearer(token_for("analyst"))
        refused = await nobody.post("/v1/inbound/replies", json=body, headers=analyst)
        assert refused.status_code == 403
        provider = bearer(token_for(client_id="mail-inbound", scopes=("campaigns:write",)))
        assert (await nobody.post("/v1/inbound/replies", json=body, headers=provider)).json()[
            "recorded"
        ]


async def test_no_reply_to_without_a_reply_domain(app: FastAPI) -> None:
    links = links_for(app.state.runtime.settings.model_copy(update={"reply_domain": None}))
    assert links.reply_address("0b9c7a52-59e3-4b59-9b55-5c2d8e3f1a10") is None


async def test_erasure_clears_what_the_customer_wrote(
    app: FastAPI, client: httpx.AsyncClient, mail: tuple[str, str, str]
) -> None:
    _, page, reply_to = mail
    async with anonymous(app) as visitor:
        await visitor.post(page, content="comment=My+number+is+123", headers=FORM)
    await client.post("/v1/inbound/replies", json={"to": reply_to, "from": "a@b.c", "text": "Hi"})
    await deliver_events(app, erased(uid("ann"), 2))
    assert await _written(app) == (None, None)


async def _written(app: FastAPI) -> tuple[str | None, str | None]:
    async with app.state.runtime.unit_of_work() as uow:
        row = (
            await uow.session.execute(
                text("SELECT form_comment, reply_text FROM campaign_messages")
            )
        ).one()
    return row[0], row[1]


async def test_a_form_and_a_reply_on_one_message_are_one_lead(
    app: FastAPI, client: httpx.AsyncClient, mail: tuple[str, str, str]
) -> None:
    campaign_id, page, reply_to = mail
    async with anonymous(app) as visitor:
        await visitor.post(page, content="comment=Call+me", headers=FORM)
    body = {"to": reply_to, "from": "ann@example.org", "text": "Yes!"}
    assert (await client.post("/v1/inbound/replies", json=body)).json()["recorded"]
    form, reply = await outbox_events(app, "crm.marketing.responded.v1")
    assert (form.payload.kind, reply.payload.kind) == ("form", "reply")
    # Sales opens its lead under the response id: one id, one lead.
    assert form.payload.response_id == reply.payload.response_id
    figures = await results(client, campaign_id)
    assert figures["responded"] == 1
    assert figures["responses"] == {"click": 0, "form": 1, "reply": 1}

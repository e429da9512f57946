"""The customer's links: the pixel counts the first open, a click redirects to the signed
target and counts the first click, the unsubscribe page asks, its POST (the button or the
RFC 8058 one-click) unsubscribes; nothing forged or altered is accepted, and no link needs a
login or says anything about the customer."""

import re

import httpx
import pytest
from crm_shared.testing import outbox_events, uid
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    RecordingChannel,
    launched,
    members,
    results,
    send_all,
    sender,
)

HTML = '<html><body><p>Hi {{ first_name }}</p><a href="https://shop.example.org/x">Shop</a></body></html>'


@pytest.fixture
async def mail(app: FastAPI, client: httpx.AsyncClient) -> tuple[str, str, str]:
    """(campaign id, the HTML ann got, the text ann got)"""
    await members(app, "ann")
    campaign = await launched(
        client, message={"subject": "Hi", "body": "Shop: https://shop.example.org/x", "html": HTML}
    )
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    (message,) = channel.sent
    assert message.html is not None
    return campaign["id"], message.html, message.text


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def links_in(html: str, kind: str) -> list[str]:
    return [path_of(u) for u in re.findall(r'(?:href|src)="([^"]+)"', html) if kind in u]


async def anonymous(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://marketing")


async def test_the_pixel_counts_the_first_open(app: FastAPI, mail: tuple[str, str, str]) -> None:
    campaign_id, html, _ = mail
    (pixel,) = links_in(html, "open.gif")
    async with await anonymous(app) as visitor:
        for _ in range(2):
            response = await visitor.get(pixel)
            assert response.status_code == 200
            assert response.headers["content-type"] == "image/gif"
        async with await anonymous(app) as admin_free:
            figures = (await admin_free.get(f"/v1/campaigns/{campaign_id}/results")).status_code
        assert figures == 401  # the results are not public
    opened = await outbox_events(app, "crm.marketing.message.opened.v1")
    assert [e.payload.customer_id for e in opened] == [uid("ann")]


async def test_a_click_redirects_to_its_target_and_counts_once(
    app: FastAPI, client: httpx.AsyncClient, mail: tuple[str, str, str]
) -> None:
    campaign_id, html, text = mail
    (click,) = links_in(html, "/click")
    async with await anonymous(app) as visitor:
        for _ in range(2):
            response = await visitor.get(click)
            assert response.status_code == 302
            assert response.headers["location"] == "https://shop.example.org/x"
        from_text = path_of(re.findall(r"https?://\S+/click", text)[0])
        assert (await visitor.get(from_text)).headers["location"] == "https://shop.example.org/x"
    clicks = await outbox_events(app, "crm.marketing.message.clicked.v1")
    assert [e.payload.link for e in clicks] == ["https://shop.example.org/x"]
    (response,) = await outbox_events(app, "crm.marketing.responded.v1")
    assert (response.payload.customer_id, response.payload.kind) == (uid("ann"), "click")
    assert response.payload.campaign_id == campaign_id
    figures = await results(client, campaign_id)
    assert (figures["opened"], figures["clicked"], figures["responded"]) == (1, 1, 1)


async def test_forged_or_altered_links_are_unknown(
    app: FastAPI, mail: tuple[str, str, str]
) -> None:
    _, html, _ = mail
    (click,) = links_in(html, "/click")
    token = click.split("/")[3]
    altered = click.replace(token, token[:-2] + ("aa" if not token.endswith("aa") else "bb"))
    async with await anonymous(app) as visitor:
        assert (await visitor.get(altered)).status_code == 404
        assert (await visitor.get("/v1/t/bm90LWEtdG9rZW4/click")).status_code == 404
        assert (await visitor.get("/v1/unsubscribe/bm90LWEtdG9rZW4")).status_code == 404
        # A pixel token is no unsubscribe token.
        (pixel,) = links_in(html, "open.gif")
        pixel_token = pixel.split("/")[3]
        assert (await visitor.post(f"/v1/unsubscribe/{pixel_token}")).status_code == 404
    assert await outbox_events(app, "crm.marketing.unsubscribed.v1") == []


async def test_unsubscribe_asks_on_get_and_acts_on_post(
    app: FastAPI, client: httpx.AsyncClient, mail: tuple[str, str, str]
) -> None:
    campaign_id, html, _ = mail
    (link,) = links_in(html, "/v1/unsubscribe/")
    async with await anonymous(app) as visitor:
        page = await visitor.get(link)
        assert page.status_code == 200
        assert '<form method="post"' in page.text
        assert "Ann" not in page.text
        assert "ann@example.org" not in page.text
        assert await outbox_events(app, "crm.marketing.unsubscribed.v1") == []
        one_click = await visitor.post(
            link,
            content="List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert one_click.status_code == 200
        assert (await visitor.post(link)).status_code == 200  # twice: harmless
    (event,) = await outbox_events(app, "crm.marketing.unsubscribed.v1")
    assert (event.payload.customer_id, event.payload.channel, event.payload.how) == (
        uid("ann"),
        "email",
        "one-click",
    )
    assert (await results(client, campaign_id))["unsubscribed"] == 1

"""One campaign message made for one customer: personalised (the sandboxed templates), its
links tracked, its unsubscribe link and the RFC 8058 headers added, and a Reply-To naming the
message when replies are received (CRM_MARKETING_REPLY_DOMAIN) (e-mail). A letter is its body
as plain text, with no link rewritten and no unsubscribe or response link (paper cannot be
tracked), and the addressee's postal address."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crm_shared.contracts.marketing import MarketingChannel

from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.schemas import MessageIn
from crm_marketing.campaigns.service import content_of
from crm_marketing.channels.base import Letter, OutgoingMessage
from crm_marketing.messages import links as tracked
from crm_marketing.messages import templates
from crm_marketing.tracking.urls import Links


def context_of(
    customer: Mapping[str, Any],
    campaign: Campaign,
    unsubscribe: str | None,
    respond: str | None = None,
) -> dict[str, Any]:
    """What a template may name: the customer's fields marketing keeps, the campaign's, and
    the message's links (``response_url``: the page the customer answers the campaign on; a
    letter has neither link: they render empty)."""
    name = str(customer.get("name") or "")
    first, _, last = name.partition(" ") if customer.get("kind") != "company" else ("", "", "")
    return {
        "name": name or None,
        "first_name": first or None,
        "last_name": last or None,
        "email": customer.get("email"),
        "phone": customer.get("phone"),
        "company": customer.get("company"),
        "tags": customer.get("tags") or [],
        "campaign": campaign.name,
        "unsubscribe_url": unsubscribe,
        "response_url": respond,
    }


def compose(
    campaign: Campaign,
    message_id: str,
    variant: str | None,
    customer: Mapping[str, Any],
    address: str,
    links: Links,
    now: datetime,
    step: int = 1,
) -> OutgoingMessage:
    """Raises the templates' render error where the message cannot be made for them."""
    content = content_of(campaign, variant, step)
    if campaign.channel == MarketingChannel.MAIL:
        return _letter(campaign, step, message_id, customer, address, content)
    unsubscribe = links.unsubscribe(message_id, now)
    respond = links.respond(message_id, now)
    context = context_of(customer, campaign, unsubscribe, respond)
    # The response page is a response of its own: its link is not also a tracked click.
    untracked = (unsubscribe, respond)

    def click(target: str) -> str:
        return links.click(message_id, target, now)

    text = templates.render(content.body, context, html=False)
    if campaign.channel != MarketingChannel.EMAIL:
        return OutgoingMessage(message_id, str(customer["id"]), address, None, text)
    text = tracked.tracked_text(text, click, skip=untracked)
    if unsubscribe not in text:
        text += f"\n\n--\nUnsubscribe: {unsubscribe}\n"
    html = None
    if content.html is not None:
        html = templates.render(content.html, context, html=True)
        if unsubscribe not in html:
            html += f'\n<p><a href="{unsubscribe}">Unsubscribe</a></p>'
        html = tracked.tracked_html(html, click, links.pixel(message_id, now), skip=untracked)
    subject = templates.render(content.subject or "", context, html=False)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if reply_to := links.reply_address(message_id):
        headers["Reply-To"] = reply_to
    return OutgoingMessage(
        message_id=message_id,
        customer_id=str(customer["id"]),
        address=address,
        subject=" ".join(subject.split()),  # no header injection through a field
        text=text,
        html=html,
        headers=headers,
    )


def _letter(
    campaign: Campaign,
    step: int,
    message_id: str,
    customer: Mapping[str, Any],
    address: str,
    content: MessageIn,
) -> OutgoingMessage:
    text = templates.render(content.body, context_of(customer, campaign, None), html=False)
    postal = customer["postal_address"]
    letter = Letter(
        campaign_id=campaign.id,
        step=step,
        name=str(customer.get("name") or ""),
        street=str(postal["street"]),
        postal_code=str(postal["postal_code"]),
        city=postal.get("city"),
        region=postal.get("region"),
        country=postal.get("country"),
    )
    return OutgoingMessage(message_id, str(customer["id"]), address, None, text, letter=letter)

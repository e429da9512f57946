"""What the customer's links record: the first open and the first click of a message (each a
timeline event), the unsubscribe (the master turns the channel's consent off on its event),
and the customer's responses: the first click, the response form, a reply to the e-mail
(each kind once per message; sales opens a lead on each). Never commits.

What the customer writes in a form or a reply stays here, on the message (personal data:
erasure clears it): ``Responded`` carries no text.

A link whose message is gone (erased) or was never sent still answers the customer (the
pixel, the redirect, the unsubscribe page) and records nothing it cannot tie to a message."""

import uuid
from dataclasses import dataclass

from crm_shared.contracts.customer import ConsentChannel
from crm_shared.contracts.marketing import (
    CONSENT_OF_CHANNEL,
    MarketingChannel,
    MessageClicked,
    MessageOpened,
    Responded,
    ResponseKind,
    Unsubscribed,
)
from crm_shared.db import UnitOfWork
from crm_shared.signed_links import UnknownLinkError
from crm_shared.text import CONTROL_CHARACTERS

from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.repository import CampaignRepository
from crm_marketing.sends.models import CampaignMessage
from crm_marketing.sends.repository import MessageRepository, MessageStatus
from crm_marketing.tracking.urls import Links

# What is kept of a form's comment or a reply's text (the rest of a long reply is its quote).
MAX_RESPONSE_TEXT = 4000
# Response ids are derived from what was responded to, so a response is one lead however
# often its link is followed.
RESPONSES = uuid.UUID("6f1c1d8e-3c55-4f0e-9a1e-5b1f1c6e2a10")


@dataclass(frozen=True)
class Unsubscription:
    channel: ConsentChannel
    first: bool  # False: this message's link was used before


async def _sent_message(uow: UnitOfWork, message_id: str) -> CampaignMessage | None:
    message = await MessageRepository(uow.session).get(message_id)
    return message if message is not None and message.status == MessageStatus.SENT else None


async def _campaign(uow: UnitOfWork, message: CampaignMessage) -> Campaign:
    campaign = await CampaignRepository(uow.session).get(message.campaign_id)
    if campaign is None:  # campaigns are never deleted: a message always has one
        raise UnknownLinkError()
    return campaign


async def _channel(uow: UnitOfWork, message: CampaignMessage) -> MarketingChannel:
    return MarketingChannel((await _campaign(uow, message)).channel)


async def opened(uow: UnitOfWork, links: Links, token: str) -> None:
    message = await _sent_message(uow, links.opened(token, uow.clock.now()))
    if message is not None:
        await _first_open(uow, message)


async def _first_open(uow: UnitOfWork, message: CampaignMessage) -> None:
    if message.opened_at is not None:
        return
    now = uow.clock.now()
    message.opened_at = now
    uow.record(
        MessageOpened(
            customer_id=message.customer_id,
            message_id=message.id,
            campaign_id=message.campaign_id,
            channel=await _channel(uow, message),
            opened_at=now,
        )
    )


async def clicked(uow: UnitOfWork, links: Links, token: str) -> str:
    """The target to redirect to (the one the token signs)."""
    click = links.clicked(token, uow.clock.now())
    message = await _sent_message(uow, click.message_id)
    if message is not None:
        await _first_open(uow, message)  # a click shows the message was opened
        if message.clicked_at is None:
            now = uow.clock.now()
            message.clicked_at = now
            uow.record(
                MessageClicked(
                    customer_id=message.customer_id,
                    message_id=message.id,
                    campaign_id=message.campaign_id,
                    channel=await _channel(uow, message),
                    link=click.url,
                    clicked_at=now,
                )
            )
            # The first click on a campaign's link is the customer's answer.
            await _respond(uow, message, ResponseKind.CLICK, detail=click.url)
    return click.url


async def _respond(
    uow: UnitOfWork, message: CampaignMessage, kind: ResponseKind, detail: str | None = None
) -> None:
    """Record the response; sales opens a lead with the campaign as its source, one per
    message: the response id derives from the message, so a click and then the form (or a
    reply) on the same message are one lead, not two."""
    now = uow.clock.now()
    if message.responded_at is None:
        message.responded_at = now
    campaign = await _campaign(uow, message)
    uow.record(
        Responded(
            customer_id=message.customer_id,
            response_id=str(uuid.uuid5(RESPONSES, message.id)),
            campaign_id=campaign.id,
            campaign_name=campaign.name,
            message_id=message.id,
            kind=kind,
            detail=detail,
            responded_at=now,
        )
    )


def _kept(text: str | None) -> str | None:
    """The start of what the customer wrote, without the control characters a database
    refuses (a NUL in PostgreSQL's text)."""
    text = CONTROL_CHARACTERS.sub("", text or "").strip()
    return text[:MAX_RESPONSE_TEXT] or None


async def check_response_link(uow: UnitOfWork, links: Links, token: str) -> None:
    """The unknown-link error for a token that is not a response link of ours."""
    links.responding(token, uow.clock.now())


async def answer_form(uow: UnitOfWork, links: Links, token: str, comment: str | None) -> bool:
    """The customer answered through the message's response page: True if recorded now,
    False if the message was answered so before (or is gone, or never went)."""
    message = await _sent_message(uow, links.responding(token, uow.clock.now()))
    if message is None or message.form_answered_at is not None:
        return False
    await _first_open(uow, message)  # an answer shows the message was read
    message.form_answered_at = uow.clock.now()
    message.form_comment = _kept(comment)
    await _respond(uow, message, ResponseKind.FORM)
    return True


@dataclass(frozen=True)
class Reply:
    recorded: bool  # False: the message had a reply before
    campaign_id: str


async def replied(uow: UnitOfWork, links: Links, to: str, text: str | None) -> Reply:
    """An e-mail reached the reply address of a message: its response, once per message.
    UnknownLinkError for an address that is not one of ours (or whose message never went)."""
    message = await _sent_message(uow, links.replied_to(to))
    if message is None:
        raise UnknownLinkError()
    if message.replied_at is not None:
        return Reply(recorded=False, campaign_id=message.campaign_id)
    await _first_open(uow, message)
    message.replied_at = uow.clock.now()
    message.reply_text = _kept(text)
    await _respond(uow, message, ResponseKind.REPLY)
    return Reply(recorded=True, campaign_id=message.campaign_id)


async def check_unsubscribe_link(uow: UnitOfWork, links: Links, token: str) -> None:
    """The unknown-link error for a token that is not an unsubscribe link of ours."""
    links.unsubscribed(token, uow.clock.now())


async def unsubscribe(uow: UnitOfWork, links: Links, token: str, how: str) -> Unsubscription:
    message_id = links.unsubscribed(token, uow.clock.now())
    message = await MessageRepository(uow.session).get(message_id)
    if message is None:
        raise UnknownLinkError()
    channel = CONSENT_OF_CHANNEL[await _channel(uow, message)]
    if message.unsubscribed_at is not None:
        return Unsubscription(channel, first=False)
    now = uow.clock.now()
    message.unsubscribed_at = now
    uow.record(
        Unsubscribed(
            customer_id=message.customer_id,
            channel=channel,
            campaign_id=message.campaign_id,
            message_id=message.id,
            how=how,
            unsubscribed_at=now,
        )
    )
    return Unsubscription(channel, first=True)

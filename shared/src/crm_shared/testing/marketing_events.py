"""Builders of real ``crm.marketing`` events, as the marketing service publishes them, for the
tests of the services that consume them (the customer master, sales, analytics). Times default to
``MARKETING_T0``; a test that orders events passes its own."""

from datetime import UTC, datetime
from typing import Any

from crm_shared.contracts.customer import ConsentChannel
from crm_shared.contracts.marketing import (
    AudienceRequested,
    CallTaskRequested,
    MarketingChannel,
    MessageBounced,
    MessageClicked,
    MessageDelivered,
    MessageOpened,
    MessageSent,
    Responded,
    ResponseKind,
    Unsubscribed,
)

MARKETING_T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
EMAIL = MarketingChannel.EMAIL


def message_sent(
    customer_id: str,
    message_id: str,
    campaign_id: str,
    *,
    campaign_name: str = "Spring sale",
    channel: MarketingChannel = EMAIL,
    step: int = 1,
    variant: str | None = None,
    sent_at: datetime = MARKETING_T0,
) -> MessageSent:
    return MessageSent(
        customer_id=customer_id,
        message_id=message_id,
        campaign_id=campaign_id,
        channel=channel,
        campaign_name=campaign_name,
        step=step,
        variant=variant,
        sent_at=sent_at,
    )


def message_delivered(
    customer_id: str,
    message_id: str,
    campaign_id: str,
    *,
    channel: MarketingChannel = EMAIL,
    delivered_at: datetime = MARKETING_T0,
) -> MessageDelivered:
    return MessageDelivered(
        customer_id=customer_id,
        message_id=message_id,
        campaign_id=campaign_id,
        channel=channel,
        delivered_at=delivered_at,
    )


def message_bounced(
    customer_id: str,
    message_id: str,
    campaign_id: str,
    *,
    reason: str = "550 5.1.1 mailbox unavailable",
    permanent: bool = True,
    channel: MarketingChannel = EMAIL,
    bounced_at: datetime = MARKETING_T0,
) -> MessageBounced:
    return MessageBounced(
        customer_id=customer_id,
        message_id=message_id,
        campaign_id=campaign_id,
        channel=channel,
        reason=reason,
        permanent=permanent,
        bounced_at=bounced_at,
    )


def message_opened(
    customer_id: str,
    message_id: str,
    campaign_id: str,
    *,
    channel: MarketingChannel = EMAIL,
    opened_at: datetime = MARKETING_T0,
) -> MessageOpened:
    return MessageOpened(
        customer_id=customer_id,
        message_id=message_id,
        campaign_id=campaign_id,
        channel=channel,
        opened_at=opened_at,
    )


def message_clicked(
    customer_id: str,
    message_id: str,
    campaign_id: str,
    *,
    link: str = "https://shop.example.com/spring?utm_source=crm",
    channel: MarketingChannel = EMAIL,
    clicked_at: datetime = MARKETING_T0,
) -> MessageClicked:
    return MessageClicked(
        customer_id=customer_id,
        message_id=message_id,
        campaign_id=campaign_id,
        channel=channel,
        link=link,
        clicked_at=clicked_at,
    )


def unsubscribed(
    customer_id: str,
    channel: ConsentChannel = ConsentChannel.EMAIL,
    *,
    campaign_id: str | None = None,
    message_id: str | None = None,
    how: str = "link",
    unsubscribed_at: datetime = MARKETING_T0,
) -> Unsubscribed:
    return Unsubscribed(
        customer_id=customer_id,
        channel=channel,
        campaign_id=campaign_id,
        message_id=message_id,
        how=how,
        unsubscribed_at=unsubscribed_at,
    )


def responded(
    customer_id: str,
    response_id: str,
    campaign_id: str,
    *,
    campaign_name: str = "Spring sale",
    message_id: str | None = None,
    kind: ResponseKind = ResponseKind.CLICK,
    detail: str | None = "https://shop.example.com/spring?utm_source=crm",
    responded_at: datetime = MARKETING_T0,
) -> Responded:
    return Responded(
        customer_id=customer_id,
        response_id=response_id,
        campaign_id=campaign_id,
        campaign_name=campaign_name,
        message_id=message_id,
        kind=kind,
        detail=detail,
        responded_at=responded_at,
    )


def call_task_requested(
    customer_id: str,
    task_id: str,
    campaign_id: str,
    *,
    campaign_name: str = "Win-back",
    title: str = "Win-back: 4 months without an order",
    script: str | None = "Ask how the last order went and offer the spring conditions.",
    due_at: datetime = MARKETING_T0,
    requested_at: datetime = MARKETING_T0,
) -> CallTaskRequested:
    return CallTaskRequested(
        customer_id=customer_id,
        task_id=task_id,
        campaign_id=campaign_id,
        campaign_name=campaign_name,
        title=title,
        script=script,
        due_at=due_at,
        requested_at=requested_at,
    )


def audience_requested(
    segment_id: str,
    campaign_id: str,
    filter_: dict[str, Any],
    *,
    name: str = "Spring sale",
    requested_at: datetime = MARKETING_T0,
) -> AudienceRequested:
    return AudienceRequested.model_validate(
        {
            "campaign_id": campaign_id,
            "segment_id": segment_id,
            "name": name,
            "filter": filter_,
            "requested_at": requested_at,
        }
    )

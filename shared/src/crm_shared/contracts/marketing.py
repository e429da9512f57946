"""Events the marketing service publishes on ``crm.marketing``.

Every event but ``audience.requested`` is about one customer and keyed by the customer id,
so it is ordered with the customer's other events and files under the customer on the 360
timeline. No message text
and no address travels: the customer master owns addresses, the marketing database keeps
what was sent (where an erasure reaches it).

- ``message.sent``: a campaign's message to a customer was handed to its channel (an SMTP
  server, an SMS provider, a call task, a mail list); ``message.delivered`` and
  ``message.bounced`` follow with the channel's answer (at once for SMTP, later for an SMS
  provider's delivery report);
- ``message.opened`` (the e-mail's pixel loaded) and ``message.clicked`` (a tracked link
  followed): the first of each per message, so a re-opened e-mail counts once;
- ``unsubscribed``: the customer withdrew a channel's consent through marketing (the
  e-mail's link or its one-click ``List-Unsubscribe-Post``); the customer master turns that
  consent off and publishes ``crm.customer.consent_changed.v1``;
- ``responded``: the customer answered a campaign (a click on its call to action, a form, a
  reply); sales opens a lead with the campaign as its source;
- ``call_task.requested``: a phone campaign's (or win-back's) call for the customer's owner;
  sales schedules it as a call activity;
- ``winback.decided``: what the win-back programme decided for an inactive customer at a
  stage (a reminder, the owner's call, the recall offer, a VIP's personal visit, or letting
  them go) and why: the decision on the customer's timeline;
- ``audience.requested``: a campaign was planned with an inline audience filter; analytics
  saves it as a segment with the id given, evaluates it and answers with
  ``crm.analytics.segment.evaluated.v1``. Keyed by the segment id.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from crm_shared.contracts.customer import ConsentChannel
from crm_shared.contracts.segments import SegmentFilter
from crm_shared.events.registry import IntegrationEvent, integration_event


class MarketingChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"  # a call task for the customer's owner, in sales
    MAIL = "mail"  # a direct-mail list (postal address, consent ``post``)


CONSENT_OF_CHANNEL: dict[MarketingChannel, ConsentChannel] = {
    MarketingChannel.EMAIL: ConsentChannel.EMAIL,
    MarketingChannel.SMS: ConsentChannel.SMS,
    MarketingChannel.PHONE: ConsentChannel.PHONE,
    MarketingChannel.MAIL: ConsentChannel.POST,
}


class MarketingEvent(IntegrationEvent):
    key_field: ClassVar[str] = "customer_id"

    customer_id: str


class MessageEvent(MarketingEvent):
    message_id: str
    campaign_id: str
    channel: MarketingChannel


@integration_event("crm.marketing.message.sent.v1")
class MessageSent(MessageEvent):
    campaign_name: str
    step: int = Field(ge=1)  # the campaign's step (1 for a one-shot campaign)
    variant: str | None = None  # the A/B variant
    sent_at: datetime


@integration_event("crm.marketing.message.delivered.v1")
class MessageDelivered(MessageEvent):
    delivered_at: datetime


@integration_event("crm.marketing.message.bounced.v1")
class MessageBounced(MessageEvent):
    reason: str  # the channel's answer (an SMTP reply code and text)
    permanent: bool  # a hard bounce (5xx): the address is not worth retrying
    bounced_at: datetime


@integration_event("crm.marketing.message.opened.v1")
class MessageOpened(MessageEvent):
    opened_at: datetime


@integration_event("crm.marketing.message.clicked.v1")
class MessageClicked(MessageEvent):
    link: str  # the target of the tracked link
    clicked_at: datetime


@integration_event("crm.marketing.unsubscribed.v1")
class Unsubscribed(MarketingEvent):
    channel: ConsentChannel
    campaign_id: str | None = None
    message_id: str | None = None
    how: str  # "link" (the page), "one-click" (RFC 8058 POST), "operator"
    unsubscribed_at: datetime


class ResponseKind(StrEnum):
    CLICK = "click"  # the first click on a tracked link of the message
    FORM = "form"
    REPLY = "reply"


@integration_event("crm.marketing.responded.v1")
class Responded(MarketingEvent):
    response_id: str  # one lead per response: sales' idempotency key
    campaign_id: str
    campaign_name: str
    message_id: str | None = None
    kind: ResponseKind
    detail: str | None = None  # e.g. the link clicked; no personal data
    responded_at: datetime


@integration_event("crm.marketing.call_task.requested.v1")
class CallTaskRequested(MarketingEvent):
    task_id: str  # one activity per task: sales' idempotency key (the message id)
    campaign_id: str
    campaign_name: str
    title: str  # what the call is about, e.g. "Win-back: 4 months without an order"
    script: str | None = None  # the campaign's rendered text, the caller's guide
    due_at: datetime
    requested_at: datetime


class WinbackStage(StrEnum):
    REMINDER = "reminder"  # 3-6 months without a purchase (the defaults)
    FOLLOW_UP = "follow_up"  # 6-12 months
    RECALL = "recall"  # more than 12 months


class WinbackAction(StrEnum):
    SMS_REMINDER = "sms_reminder"
    OWNER_CALL = "owner_call"  # a call task for the customer's owner
    RECALL_OFFER = "recall_offer"  # the recall promotion (e-mail)
    VIP_VISIT = "vip_visit"  # a VIP: a personal visit or call by the owner instead
    LET_GO = "let_go"  # not worth winning back (or not to be: credit, arrears)


@integration_event("crm.marketing.winback.decided.v1")
class WinbackDecided(MarketingEvent):
    stage: WinbackStage
    action: WinbackAction
    reason: str  # in words, e.g. "worth 12.00 EUR a year, a call costs 15.00 EUR"
    days_inactive: int
    campaign_id: str | None = None  # the programme's campaign the customer was enrolled in
    decided_at: datetime


@integration_event("crm.marketing.audience.requested.v1")
class AudienceRequested(IntegrationEvent):
    """A campaign's inline audience: analytics is to save and evaluate it as a segment."""

    key_field: ClassVar[str] = "segment_id"

    campaign_id: str
    segment_id: str  # chosen by marketing: the segment analytics creates (once)
    name: str  # the campaign's name
    filter: SegmentFilter
    requested_at: datetime

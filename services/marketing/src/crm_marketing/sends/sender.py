"""The sender: a background worker that sends what running campaigns have due, a batch at a
time, at most once per message.

Each batch is two short transactions around the channel's answer:

1. **claim**: the campaign's due messages (SKIP LOCKED: another instance takes others) are
   judged by the consent rules; those that may not go are settled as suppressed with their
   reason (or wait for the quiet hours' end), the others are made (personalised, links
   signed) and marked ``sending``, and that commits *before anything leaves*;
2. the channel takes the batch (one SMTP connection, one HTTP client);
3. **settle**: what it answered is recorded with the events (``message.sent`` and
   ``delivered`` or ``bounced``), in one transaction.

A crash between 1 and 3 leaves messages ``sending``: after the claim lease they become
``unknown`` and are never sent again (a campaign sends each member at most once per step);
the results count them. A message the channel never took (its server down) waits and is
tried again.
"""

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm_shared.bus.tasks import stop_if_cancelled
from crm_shared.contracts.marketing import (
    CallTaskRequested,
    MarketingChannel,
    MessageBounced,
    MessageDelivered,
    MessageSent,
)
from crm_shared.db import UnitOfWork

from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.programmes import published_step
from crm_marketing.campaigns.repository import CampaignRepository
from crm_marketing.campaigns.rules import CampaignStatus
from crm_marketing.campaigns.service import complete_if_settled
from crm_marketing.care.repository import CareRepository
from crm_marketing.channels.base import ChannelAdapter, Outcome, OutgoingMessage, SendResult
from crm_marketing.messages.templates import TemplateRenderError
from crm_marketing.sends.compose import compose
from crm_marketing.sends.repository import MessageRepository, MessageStatus, Settled
from crm_marketing.sends.rules import Policy, Send, Skip, SkipReason, Wait, decide
from crm_marketing.settings import MarketingSettings
from crm_marketing.tracking.urls import links_for

log = logging.getLogger(__name__)


def policy_of(settings: MarketingSettings) -> Policy:
    return Policy(
        frequency_cap=settings.frequency_cap,
        frequency_window=timedelta(days=settings.frequency_cap_days),
        quiet_start=settings.quiet_hours_start,
        quiet_end=settings.quiet_hours_end,
        time_zone=settings.time_zone,
    )


@dataclass(frozen=True)
class Claimed:
    campaign: Campaign
    outgoing: list[OutgoingMessage]
    steps: dict[str, int]  # message id -> its step
    variants: dict[str, str | None]  # message id -> its A/B variant


class Sender:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        settings: MarketingSettings,
        channels: Mapping[MarketingChannel, ChannelAdapter],
    ) -> None:
        self.unit_of_work = unit_of_work
        self.settings = settings
        self.channels = channels
        self.policy = policy_of(settings)
        self.links = links_for(settings)

    async def run(self) -> None:
        try:
            while True:
                try:
                    settled = await self.send_due()
                except Exception:  # a database hiccup: logged, and the next pass tries again
                    log.exception("the sender's pass failed")
                    settled = 0
                # A cancellation a database driver swallowed is still pending: stop here.
                stop_if_cancelled()
                if not settled:
                    await asyncio.sleep(self.settings.send_idle_poll_seconds)
        finally:
            for channel in self.channels.values():
                await channel.aclose()

    async def send_due(self) -> int:
        """One batch of every running campaign; returns how many messages were settled."""
        async with self.unit_of_work() as uow:
            lease = timedelta(seconds=self.settings.send_claim_lease_seconds)
            await MessageRepository(uow.session).expire_claims(uow.clock.now() - lease)
            running = [c.id for c in await CampaignRepository(uow.session).running()]
            await uow.commit()
        settled = 0
        for campaign_id in running:
            settled += await self.send_batch(campaign_id)
        return settled

    async def send_batch(self, campaign_id: str) -> int:
        claimed, judged = await self._claim(campaign_id)
        if claimed is None or not claimed.outgoing:
            return judged
        channel = self.channels[MarketingChannel(claimed.campaign.channel)]
        results = await channel.send(claimed.outgoing)
        await self._settle(claimed, results)
        return judged + len(results)

    async def _claim(self, campaign_id: str) -> tuple[Claimed | None, int]:
        async with self.unit_of_work() as uow:
            campaign = await CampaignRepository(uow.session).get(campaign_id)
            if campaign is None or campaign.status != CampaignStatus.RUNNING:
                return None, 0
            now = uow.clock.now()
            messages = MessageRepository(uow.session)
            due = await messages.due(campaign_id, now, self.settings.send_batch_size)
            if not due:
                await complete_if_settled(uow, campaign)
                await uow.commit()
                return None, 0
            customer_ids = [message.customer_id for message in due]
            customers = await messages.customers(customer_ids)
            lately = await messages.sent_lately(customer_ids, now - self.policy.frequency_window)
            channel = MarketingChannel(campaign.channel)
            promotional = not campaign.care
            cared_for = (
                await CareRepository(uow.session).cared_for_until(customer_ids, now)
                if promotional
                else {}
            )
            settled: list[Settled] = []
            outgoing: list[OutgoingMessage] = []
            for message in due:
                customer = customers.get(message.customer_id)
                decision = decide(
                    customer,
                    channel,
                    lately.get(message.customer_id, 0),
                    now,
                    self.policy,
                    promotional=promotional,
                    care_until=cared_for.get(message.customer_id),
                )
                if isinstance(decision, Send) and customer is not None:
                    try:
                        outgoing.append(
                            compose(
                                campaign,
                                message.id,
                                message.variant,
                                customer,
                                decision.address,
                                self.links,
                                now,
                                message.step,
                            )
                        )
                    except TemplateRenderError as error:
                        decision = Skip(SkipReason.TEMPLATE_ERROR)
                        settled.append(_suppressed(message.id, decision, str(error)))
                elif isinstance(decision, Skip):
                    settled.append(_suppressed(message.id, decision))
                elif isinstance(decision, Wait):
                    settled.append(
                        Settled(message.id, MessageStatus.PENDING, None, None, None, decision.until)
                    )
            await messages.settle(settled)
            await messages.claim({m.message_id: m.address for m in outgoing}, now)
            await uow.commit()
            steps = {message.id: message.step for message in due}
            variants = {message.id: message.variant for message in due}
            return Claimed(campaign, outgoing, steps, variants), len(settled)

    async def _settle(self, claimed: Claimed, results: Sequence[SendResult]) -> None:
        outgoing = {message.message_id: message for message in claimed.outgoing}
        async with self.unit_of_work() as uow:
            now = uow.clock.now()
            retry_at = now + timedelta(minutes=self.settings.send_retry_minutes)
            settled = [_settled(result, now, retry_at) for result in results]
            await MessageRepository(uow.session).settle(settled)
            for result in results:
                _record(uow, claimed, outgoing[result.message_id], result, now)
            await uow.commit()


def _suppressed(message_id: str, skip: Skip, detail: str | None = None) -> Settled:
    return Settled(message_id, MessageStatus.SUPPRESSED, skip.reason.value, detail, None)


def _settled(result: SendResult, now: datetime, retry_at: datetime) -> Settled:
    if result.outcome == Outcome.NOT_SENT:
        return Settled(
            result.message_id, MessageStatus.PENDING, None, result.detail, None, retry_at
        )
    if result.outcome == Outcome.UNKNOWN:
        return Settled(result.message_id, MessageStatus.UNKNOWN, None, result.detail, None)
    # Delivered, bounced, or posted (a letter on its mail list).
    return Settled(result.message_id, MessageStatus.SENT, result.outcome.value, result.detail, now)


def _record(
    uow: UnitOfWork,
    claimed: Claimed,
    message: OutgoingMessage,
    result: SendResult,
    now: datetime,
) -> None:
    if result.outcome not in (Outcome.DELIVERED, Outcome.BOUNCED, Outcome.POSTED):
        return
    campaign = claimed.campaign
    step = published_step(campaign, claimed.steps[message.message_id])
    variant = claimed.variants[message.message_id]
    channel = MarketingChannel(campaign.channel)
    common = {
        "customer_id": message.customer_id,
        "message_id": result.message_id,
        "campaign_id": campaign.id,
        "channel": channel,
    }
    uow.record(
        MessageSent(**common, campaign_name=campaign.name, step=step, variant=variant, sent_at=now)
    )
    if channel == MarketingChannel.PHONE:
        uow.record(
            CallTaskRequested(
                customer_id=message.customer_id,
                task_id=message.message_id,
                campaign_id=campaign.id,
                campaign_name=campaign.name,
                title=_call_title(campaign),
                script=message.text,
                due_at=now,
                requested_at=now,
            )
        )
    elif result.outcome == Outcome.DELIVERED:
        uow.record(MessageDelivered(**common, delivered_at=now))
    elif result.outcome == Outcome.BOUNCED:
        uow.record(
            MessageBounced(
                **common, reason=result.detail, permanent=result.permanent, bounced_at=now
            )
        )
    # A letter (posted) has no delivery receipt: it is sent, never delivered.


def _call_title(campaign: Campaign) -> str:
    return f"Call: {campaign.subject or campaign.name}"[:200]

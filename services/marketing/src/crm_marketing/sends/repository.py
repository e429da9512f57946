"""All SQL of a campaign's messages: enrol in bulk, claim a due batch (SKIP LOCKED, so two
senders never take the same message), settle what the channel answered, count for the
frequency cap and for the results."""

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.db import table_of
from crm_shared.db.statements import affected_rows, insert_new_rows, key_chunks
from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm_marketing.channels.base import Outcome
from crm_marketing.db import customer_view_table
from crm_marketing.sends.models import CampaignMessage
from crm_marketing.sends.rules import SkipReason


class MessageStatus:
    PENDING = "pending"
    HELD = "held"  # an A/B test's rest of the audience, waiting for the winner
    SENDING = "sending"  # claimed: the channel has it or is about to
    SENT = "sent"
    SUPPRESSED = "suppressed"
    UNKNOWN = "unknown"  # its sender died after claiming it


MESSAGES: Table = table_of(CampaignMessage)
# What the results count per message, by the column that records its first time.
TRACKED = {
    "opened": "opened_at",
    "clicked": "clicked_at",
    "unsubscribed": "unsubscribed_at",
    "responded": "responded_at",
    "form": "form_answered_at",
    "reply": "replied_at",
}


@dataclass(frozen=True)
class Settled:
    """What became of one claimed message."""

    id: str
    status: str
    outcome: str | None
    detail: str | None
    sent_at: datetime | None
    not_before: datetime | None = None


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enrol(
        self,
        campaign_id: str,
        step: int,
        customer_ids: Sequence[str],
        now: datetime,
        *,
        variant: str | None = None,
        status: str = MessageStatus.PENDING,
    ) -> int:
        """A message for each customer not enrolled at this step yet; returns how many were
        new."""
        rows = [
            {
                "id": str(uuid.uuid4()),
                "campaign_id": campaign_id,
                "customer_id": customer_id,
                "step": step,
                "variant": variant,
                "status": status,
                "enrolled_at": now,
            }
            for customer_id in customer_ids
        ]
        return len(await insert_new_rows(self.session, MESSAGES, rows))

    async def due(self, campaign_id: str, now: datetime, limit: int) -> list[CampaignMessage]:
        message = CampaignMessage
        statement = (
            select(message)
            .where(
                message.campaign_id == campaign_id,
                message.status == MessageStatus.PENDING,
                or_(message.not_before.is_(None), message.not_before <= now),
            )
            .order_by(message.enrolled_at, message.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(await self.session.scalars(statement))

    async def customers(self, customer_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        view = customer_view_table
        found: dict[str, dict[str, Any]] = {}
        for chunk in key_chunks(customer_ids):
            rows = await self.session.execute(select(view).where(view.c.id.in_(chunk)))
            found.update((row.id, dict(row._mapping)) for row in rows)
        return found

    async def sent_lately(self, customer_ids: Collection[str], since: datetime) -> dict[str, int]:
        """Marketing messages each customer was sent (or is being sent) since ``since``."""
        message = CampaignMessage
        counts: dict[str, int] = {}
        for chunk in key_chunks(customer_ids):
            rows = await self.session.execute(
                select(message.customer_id, func.count())
                .where(
                    message.customer_id.in_(chunk),
                    or_(
                        and_(message.status == MessageStatus.SENT, message.sent_at >= since),
                        message.status == MessageStatus.SENDING,
                    ),
                )
                .group_by(message.customer_id)
            )
            counts.update((customer_id, count) for customer_id, count in rows)
        return counts

    async def settle(self, settled: Iterable[Settled]) -> None:
        rows = [
            {
                "key": item.id,
                "new_status": item.status,
                "new_outcome": item.outcome,
                "new_detail": item.detail,
                "new_sent_at": item.sent_at,
                "new_not_before": item.not_before,
            }
            for item in settled
        ]
        if not rows:
            return
        await self.session.execute(
            update(MESSAGES)
            .where(MESSAGES.c.id == bindparam("key"))
            .values(
                status=bindparam("new_status"),
                outcome=bindparam("new_outcome"),
                detail=bindparam("new_detail"),
                sent_at=bindparam("new_sent_at"),
                not_before=bindparam("new_not_before"),
            )
            .execution_options(synchronize_session=False),
            rows,
        )

    async def claim(self, addresses: Mapping[str, str], now: datetime) -> None:
        if not addresses:
            return
        await self.session.execute(
            update(MESSAGES)
            .where(MESSAGES.c.id == bindparam("key"))
            .values(status=MessageStatus.SENDING, claimed_at=now, address=bindparam("to"))
            .execution_options(synchronize_session=False),
            [{"key": key, "to": address} for key, address in addresses.items()],
        )

    async def expire_claims(self, claimed_before: datetime) -> int:
        """Messages claimed before ``claimed_before`` and never settled: their sender died
        while sending. Maybe they went: they are never sent again."""
        result = await self.session.execute(
            update(MESSAGES)
            .where(
                MESSAGES.c.status == MessageStatus.SENDING,
                MESSAGES.c.claimed_at < claimed_before,
            )
            .values(status=MessageStatus.UNKNOWN)
        )
        return affected_rows(result)

    async def reached(self, campaign_id: str, step: int) -> list[str]:
        """The customers the campaign's message of this step was sent to."""
        rows = await self.session.scalars(
            select(MESSAGES.c.customer_id)
            .where(
                MESSAGES.c.campaign_id == campaign_id,
                MESSAGES.c.step == step,
                MESSAGES.c.status == MessageStatus.SENT,
            )
            .order_by(MESSAGES.c.customer_id)
        )
        return list(rows)

    async def close_pending(self, campaign_id: str, reason: str) -> int:
        """The campaign stopped or ended: what still waits is not sent."""
        result = await self.session.execute(
            update(MESSAGES)
            .where(
                MESSAGES.c.campaign_id == campaign_id,
                MESSAGES.c.status.in_([MessageStatus.PENDING, MessageStatus.HELD]),
            )
            .values(status=MessageStatus.SUPPRESSED, outcome=reason)
        )
        return affected_rows(result)

    async def unsettled(self, campaign_id: str) -> int:
        """Messages still pending or being sent."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(MESSAGES)
            .where(
                MESSAGES.c.campaign_id == campaign_id,
                MESSAGES.c.status.in_(
                    [MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.HELD]
                ),
            )
        )
        return int(count or 0)

    async def tally(self, campaign_id: str) -> dict[tuple[str, str | None], dict[str, int]]:
        """Per (status, outcome): messages and the counts of ``TRACKED``."""
        tallies = await self.tallies([campaign_id])
        return tallies.get(campaign_id, {})

    async def tallies(
        self, campaign_ids: Collection[str]
    ) -> dict[str, dict[tuple[str, str | None], dict[str, int]]]:
        """Per campaign, then per (status, outcome): messages and the counts of ``TRACKED``
        (one grouped statement per chunk of campaigns)."""
        message = CampaignMessage
        found: dict[str, dict[tuple[str, str | None], dict[str, int]]] = {}
        for chunk in key_chunks(campaign_ids):
            rows = await self.session.execute(
                select(
                    message.campaign_id,
                    message.status,
                    message.outcome,
                    func.count(),
                    *(func.count(getattr(message, column)) for column in TRACKED.values()),
                )
                .where(message.campaign_id.in_(chunk))
                .group_by(message.campaign_id, message.status, message.outcome)
            )
            for campaign_id, status, outcome, messages, *counts in rows:
                found.setdefault(campaign_id, {})[(status, outcome)] = {
                    "messages": messages,
                    **dict(zip(TRACKED, counts, strict=True)),
                }
        return found

    async def release_held(self, campaign_id: str, variant: str) -> int:
        """The A/B test is decided: the rest of the audience gets the winner."""
        result = await self.session.execute(
            update(MESSAGES)
            .where(
                MESSAGES.c.campaign_id == campaign_id,
                MESSAGES.c.status == MessageStatus.HELD,
            )
            .values(status=MessageStatus.PENDING, variant=variant)
        )
        return affected_rows(result)

    async def by_variant(self, campaign_id: str) -> dict[str, dict[str, int]]:
        """Per variant of the sent messages: sent, delivered, opened, clicked, responded."""
        message = CampaignMessage
        delivered = func.sum(case((message.outcome == "delivered", 1), else_=0))
        rows = await self.session.execute(
            select(
                message.variant,
                func.count(),
                delivered,
                func.count(message.opened_at),
                func.count(message.clicked_at),
                func.count(message.responded_at),
            )
            .where(
                message.campaign_id == campaign_id,
                message.status == MessageStatus.SENT,
                message.variant.is_not(None),
            )
            .group_by(message.variant)
        )
        return {
            variant: {
                "sent": sent,
                "delivered": int(got or 0),
                "opened": opened,
                "clicked": clicked,
                "responded": responded,
            }
            for variant, sent, got, opened, clicked, responded in rows
        }

    async def follow_merge(self, alias_id: str, survivor_id: str) -> None:
        """The alias's messages become the survivor's where the survivor has none at that
        (campaign, step); where both have one, each keeps its own and neither waiting one goes
        out to the person a second time (suppressed ``merged``). Set-based; a replay finds
        nothing left to move or suppress."""
        other = MESSAGES.alias("other")

        def same_step_of(customer_id: str, *status: ColumnElement[bool]) -> ColumnElement[bool]:
            return exists().where(
                other.c.customer_id == customer_id,
                other.c.campaign_id == MESSAGES.c.campaign_id,
                other.c.step == MESSAGES.c.step,
                *status,
            )

        waiting = MESSAGES.c.status.in_([MessageStatus.PENDING, MessageStatus.HELD])
        merged = {"status": MessageStatus.SUPPRESSED, "outcome": SkipReason.MERGED.value}
        # The alias was reached (or may have been) at a step the survivor still waits for.
        reached = or_(
            other.c.status.in_([MessageStatus.SENDING, MessageStatus.UNKNOWN]),
            and_(
                other.c.status == MessageStatus.SENT,
                other.c.outcome.is_distinct_from(Outcome.BOUNCED.value),
            ),
        )
        await self.session.execute(
            update(MESSAGES)
            .where(
                MESSAGES.c.customer_id == survivor_id,
                waiting,
                same_step_of(alias_id, reached),
            )
            .values(**merged)
        )
        await self.session.execute(
            update(MESSAGES)
            .where(MESSAGES.c.customer_id == alias_id, waiting, same_step_of(survivor_id))
            .values(**merged)
        )
        await self.session.execute(
            update(MESSAGES)
            .where(MESSAGES.c.customer_id == alias_id, not_(same_step_of(survivor_id)))
            .values(customer_id=survivor_id)
        )

    async def scrub(self, customer_ids: Collection[str]) -> None:
        await self.session.execute(
            update(MESSAGES)
            .where(MESSAGES.c.customer_id.in_(list(customer_ids)))
            .values(address=None, detail=None, form_comment=None, reply_text=None)
        )

    async def get(self, message_id: str) -> CampaignMessage | None:
        return await self.session.get(CampaignMessage, message_id)

"""How far a segment reaches: its members as marketing knows them, and how many of them each
channel may reach now (consent, an address, not erased), by the send rules themselves."""

from dataclasses import dataclass
from datetime import time, timedelta

from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.db import UnitOfWork

from crm_marketing.audiences.repository import AudienceRepository
from crm_marketing.sends.repository import MessageRepository
from crm_marketing.sends.rules import Policy, Send, decide

# Reach ignores the caps and hours of the moment: who may be reached at all.
_AT_ANY_TIME = Policy(
    frequency_cap=1,
    frequency_window=timedelta(0),
    quiet_start=time(0, 0),
    quiet_end=time(0, 0),
    time_zone="UTC",
)


@dataclass(frozen=True)
class Reach:
    segment_id: str
    members: int
    reachable: dict[str, int]


async def reach(uow: UnitOfWork, segment_id: str) -> Reach:
    members = await AudienceRepository(uow.session).members(segment_id)
    customers = await MessageRepository(uow.session).customers(members)
    now = uow.clock.now()
    reachable = {
        channel.value: sum(
            isinstance(decide(customers.get(member), channel, 0, now, _AT_ANY_TIME), Send)
            for member in members
        )
        for channel in MarketingChannel
    }
    return Reach(segment_id, len(members), reachable)

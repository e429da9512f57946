"""The timer kinds the support service handles: ``{kind: handler}``.

``sla.breach`` and ``sla.at_risk`` (keyed ``"<ticket id>:<target>"``) need the service's
settings (the calendar, the warning share), so :func:`timer_handlers` binds them;
``TIMER_HANDLERS`` holds the kinds that need none. Both SLA handlers re-read the target and
act only when it is still running and past its time by the ticket's clock, so a replayed or
stale timer does nothing.
"""

from collections.abc import Sequence

from crm_shared.db import UnitOfWork
from crm_shared.timers import AnyTimerHandler, Timer, TimerHandler

from crm_support.follow_ups.timers import FOLLOW_UP_TIMERS
from crm_support.settings import SupportSettings
from crm_support.sla import targets
from crm_support.tickets import service
from crm_support.tickets.repository import TicketRepository

TIMER_HANDLERS: dict[str, AnyTimerHandler] = {}


class OnBreach:
    """The breach timers of a chunk at once: their tickets and targets are read in two
    queries, then each breach is applied in turn (``CRM_TIMER_CHUNK_SIZE`` per commit)."""

    handles_batches = True

    def __init__(self, settings: SupportSettings) -> None:
        self.settings = settings

    async def __call__(self, uow: UnitOfWork, timers: Sequence[Timer]) -> None:
        keys = [targets.parse_timer_key(timer.key) for timer in timers]
        tickets = await TicketRepository(uow.session).prefetch([ticket_id for ticket_id, _ in keys])
        # Everything they read is in the session: their changes are written once, at the
        # commit, rather than before each statement.
        with uow.session.no_autoflush:
            for ticket_id, name in keys:
                ticket = tickets.get(ticket_id)
                if ticket is None:
                    continue
                target = await targets.breach(uow, ticket, name, self.settings)
                if target is not None:
                    await service.breached(uow, ticket, target, self.settings)


def on_at_risk(settings: SupportSettings) -> TimerHandler:
    async def handle(uow: UnitOfWork, timer: Timer) -> None:
        ticket_id, name = targets.parse_timer_key(timer.key)
        ticket = await TicketRepository(uow.session).get(ticket_id)
        if ticket is not None:
            await targets.warn(uow, ticket, name, settings)

    return handle


def timer_handlers(settings: SupportSettings) -> dict[str, AnyTimerHandler]:
    """Every timer kind of the service, the SLA ones bound to ``settings``."""
    return {
        **TIMER_HANDLERS,
        **{kind: bind(settings) for kind, bind in FOLLOW_UP_TIMERS.items()},
        targets.BREACH: OnBreach(settings),
        targets.AT_RISK: on_at_risk(settings),
    }

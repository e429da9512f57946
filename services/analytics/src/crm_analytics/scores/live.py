"""Placeholder: live scores of the customers a run of order and ticket events names (filled
in by the change that builds the scoring run)."""

from collections.abc import Sequence

from crm_shared.bus.handlers import Delivery
from crm_shared.db import UnitOfWork
from crm_shared.events import IntegrationEvent

SCORE_EVENTS: tuple[type[IntegrationEvent], ...] = ()


class LiveScores:
    handles_batches = True

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        return None

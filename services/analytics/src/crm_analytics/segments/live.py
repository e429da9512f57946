"""Placeholder: segment membership kept current after every run of events (filled in by the
change that builds segments)."""

from collections.abc import Sequence

from crm_shared.bus.handlers import Delivery
from crm_shared.db import UnitOfWork


class MembershipRefresh:
    handles_batches = True

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        return None

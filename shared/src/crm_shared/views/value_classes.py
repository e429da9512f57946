"""What a customer is worth, as analytics last said: a service's own copy, built from
``crm.analytics.value_class.changed.v1``, so that a rule can ask "is this customer A or
VIP?" (support marks their complaints major) without calling analytics.

A row applies an event only if its ``sequence`` (analytics' scoring run) is newer than the
stored one, so replays, duplicates and late events change nothing. The row holds no personal
data (an id and a class): erasure of the customer deletes it all the same.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.bus.handlers import BatchHandler, Delivery
from crm_shared.contracts.analytics import ValueClassChanged
from crm_shared.db.model import NAMING_CONVENTION
from crm_shared.db.uow import UnitOfWork
from crm_shared.events.registry import IntegrationEvent
from crm_shared.views.newest_rows import NewestRowsProjection

TABLE_NAME = "customer_value_classes"


def define_value_classes_table(metadata: MetaData) -> Table:
    return Table(
        TABLE_NAME,
        metadata,
        Column("customer_id", String(128), primary_key=True),
        Column("value_class", String(8), nullable=True),
        Column("abc_class", String(1), nullable=True),
        Column("sequence", Integer, nullable=False),
    )


def create_value_classes_table(op: Any) -> None:
    """Create the table in a service's migration; the shape is frozen once released."""
    define_value_classes_table(MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def drop_value_classes_table(op: Any) -> None:
    define_value_classes_table(MetaData(naming_convention=NAMING_CONVENTION)).drop(op.get_bind())


class ValueClassProjection(NewestRowsProjection):
    """The newest value class per customer, copied onto the customer view's ``value_class``
    (what the view's API shows) for the customers the run names that the view knows."""

    def __init__(self, table: Table, customer_view: Table | None, **kwargs: Any) -> None:
        super().__init__(table, **kwargs)
        self.customer_view = customer_view

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        await super().__call__(uow, deliveries)
        if self.customer_view is None:
            return
        named = {delivery.event.customer_id for delivery in deliveries}
        newest = (
            select(self.table.c.value_class)
            .where(self.table.c.customer_id == self.customer_view.c.id)
            .scalar_subquery()
        )
        await uow.session.execute(
            update(self.customer_view)
            .where(self.customer_view.c.id.in_(named))
            .values(value_class=newest)
        )


def value_class_handlers(
    table: Table, customer_view: Table | None = None
) -> dict[type[IntegrationEvent], BatchHandler]:
    """The ``{event: handler}`` entry that keeps ``table`` (and the view's column) up to date."""
    projection = ValueClassProjection(
        table,
        customer_view,
        key="customer_id",
        version="sequence",
        read=lambda event: (
            event.customer_id,
            event.sequence,
            {
                "value_class": event.value_class.value if event.value_class else None,
                "abc_class": event.abc_class.value if event.abc_class else None,
            },
        ),
    )
    return {ValueClassChanged: projection}


async def value_class_of(session: AsyncSession, table: Table, customer_id: str) -> str | None:
    found: str | None = await session.scalar(
        select(table.c.value_class).where(table.c.customer_id == customer_id)
    )
    return found


async def forget_value_class(session: AsyncSession, table: Table, customer_id: str) -> None:
    await session.execute(delete(table).where(table.c.customer_id == customer_id))

"""One row per key holding what the newest version of a record said: the shape of a
service's small copies of another service's records (who is on which team, who manages
each team). A run of events is applied in one read and one bulk write; an event applies only
if its version is newer than the stored one, so replays, duplicates and late events change
nothing."""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table

from crm_shared.bus.handlers import Delivery
from crm_shared.db.rowset import BulkRows, RowSet
from crm_shared.db.uow import UnitOfWork

# An event as (its record's key, its version, the columns it sets).
Reading = Callable[[Any], tuple[str, int, dict[str, Any]]]


class NewestRowsProjection:
    handles_batches = True

    def __init__(self, table: Table, *, key: str, version: str, read: Reading) -> None:
        self.table = table
        self.key = key
        self.version = version
        self.read = read

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        readings = [self.read(delivery.event) for delivery in deliveries]
        store = BulkRows(uow.session, self.table, key=self.key)
        rows = RowSet(await store.load(key for key, _, _ in readings))
        for key, version, columns in readings:
            values = {**columns, self.version: version}
            row = rows.get(key)
            if row is None:
                rows.insert(key, {self.key: key, **values})
            elif version > row[self.version]:
                rows.update(key, values)
        await store.write(rows)

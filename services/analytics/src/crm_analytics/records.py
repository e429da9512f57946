"""The newest state of each record a run of events names, written over the stored ones.

The profile's sections project events that carry a record's full state and version (an
order, an opportunity, a ticket) the same way: of a run, the newest state of each record is
kept; the rows the run names are read (and on PostgreSQL locked) in one query, and the
states newer than the stored ones are written with one multi-row INSERT and one executemany
UPDATE. Replays, duplicates and events older than what is stored change nothing.
"""

from collections.abc import Callable
from typing import Any

from crm_shared.db.rowset import BulkRows, Row, RowSet

Rank = Callable[[Row], tuple[Any, ...]]


def by_version(row: Row) -> tuple[Any, ...]:
    return (row["version"],)


def never_final(row: Row) -> bool:
    return False


class NewestStates:
    """``rank`` orders two states of one record (higher is newer); a stored state that is
    ``final`` is never replaced (nothing follows it)."""

    def __init__(self, rank: Rank = by_version, final: Callable[[Row], bool] = never_final):
        self.rank = rank
        self.final = final
        self.newest: dict[str, Row] = {}

    def offer(self, key: str, row: Row) -> None:
        held = self.newest.get(key)
        if held is None or self.rank(row) > self.rank(held):
            self.newest[key] = row

    def supersedes(self, new: Row, held: Row) -> bool:
        return not self.final(held) and self.rank(new) > self.rank(held)

    async def write(self, store: BulkRows) -> None:
        if not self.newest:
            return
        rows = RowSet(await store.load(self.newest))
        for key, row in self.newest.items():
            held = rows.get(key)
            if held is None:
                rows.insert(key, row)
            elif self.supersedes(row, held):
                rows.update(key, row)
        await store.write(rows)

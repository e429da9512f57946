"""What every CSV import of sales shares (the order history's, the leads'): the answer
(imported, skipped, line-numbered row errors), the plan a file becomes before anything is
written, and the reading of its rows.

An import works in two steps, so that a huge file neither holds one giant transaction nor
loses rows: a plan (every row read and checked, the database only read), then the rows to
write in chunks, each chunk its own transaction (the route commits after each). The file
itself is read by :mod:`crm_shared.csv_import`: a malformed one is refused whole.
"""

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from crm_shared.csv_import import CsvRow
from pydantic import BaseModel, Field

ROWS_BETWEEN_YIELDS = 1_000
T = TypeVar("T")


class RowError(BaseModel):
    line: int = Field(description="the line of the file where the row starts (header: 1)")
    detail: str = Field(description="why the row was not imported (reasons joined by '; ')")


class ImportSummary(BaseModel):
    imported: int = Field(description="records created")
    skipped: int = Field(
        description="rows that are in already (imported before, or earlier in the file; "
        "the operation's description says what makes a row the same record)"
    )
    errors: list[RowError] = Field(description="rows not imported, with the reasons")


class RowRefusedError(Exception):
    """A row that cannot be imported, with every reason (``column: why``)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportPlan(Generic[T]):
    """What the file asks, after every check that needs no write: the rows to write, how
    many are in already, and the refused rows."""

    ready: list[T] = field(default_factory=list)
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0

    def refuse(self, line: int, reasons: Sequence[str]) -> None:
        self.errors.append(RowError(line=line, detail="; ".join(reasons)))

    def chunks(self, size: int) -> Iterator[list[T]]:
        for start in range(0, len(self.ready), size):
            yield self.ready[start : start + size]

    def summary(self) -> ImportSummary:
        errors = sorted(self.errors, key=lambda error: error.line)
        return ImportSummary(imported=self.imported, skipped=self.skipped, errors=errors)


async def read_each(
    csv_rows: Sequence[CsvRow], read: Callable[[CsvRow], T], plan: ImportPlan[Any]
) -> list[T]:
    """Every row ``read`` accepts; a row the file reader refused already (more cells than
    columns, control characters) or that ``read`` refuses (``RowRefusedError``) goes to
    the plan's errors with its line."""
    rows: list[T] = []
    for number, csv_row in enumerate(csv_rows, 1):
        try:
            if csv_row.refusals:
                raise RowRefusedError(list(csv_row.refusals))
            rows.append(read(csv_row))
        except RowRefusedError as refused:
            plan.refuse(csv_row.line, refused.errors)
        if number % ROWS_BETWEEN_YIELDS == 0:
            await asyncio.sleep(0)  # a large file is seconds of CPU: let others be served
    return rows

"""A report as a long CSV: one value per row, columns section, key, metric, value.

The top-level scalars are the ``report`` section; a nested object is a section of its
fields; a list of rows is a section whose key is the row's ``csv_key`` fields joined with
``/``, and whose metrics are its other fields (a dict field flattens to ``field.name``, a
list field is written as JSON); a dict of objects is a section keyed by the dict's keys.
An empty value is "none" (not measurable, not recorded).

A report endpoint answers CSV when ``format=csv`` says so, or, without ``format``, when the
``Accept`` header names ``text/csv`` (``wants_csv``)."""

import json
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from crm_shared.periods import Period

CSV_COLUMNS = ("section", "key", "metric", "value")


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class PeriodOut(BaseModel):
    """A report's period as its answer names it (the ``period`` section of its CSV)."""

    label: str = Field(description="The period as asked: 2026-W05, 2026-03 or 2026-Q1")
    start: datetime = Field(description="Its first instant (UTC), included")
    end: datetime = Field(description="The first instant after it (UTC), excluded")

    @classmethod
    def of(cls, period: Period) -> "PeriodOut":
        return cls(label=period.label, start=period.start, end=period.end)


def wants_csv(chosen: ReportFormat | None, accept: str | None) -> bool:
    """``format`` decides when given; otherwise an ``Accept`` that names text/csv."""
    if chosen is not None:
        return chosen is ReportFormat.CSV
    return accept is not None and "text/csv" in accept.lower()


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def long_rows(report: BaseModel) -> Iterator[tuple[str, str, str, str]]:
    for name in type(report).model_fields:
        value = getattr(report, name)
        if isinstance(value, BaseModel):
            yield from _fields(name, "", value, ())
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for row in value:
                keys: tuple[str, ...] = getattr(row, "csv_key", ())
                key = "/".join(cell(getattr(row, field)) for field in keys)
                yield from _fields(name, key, row, keys)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _fields(name, str(key), item, ())
                else:
                    yield (name, str(key), "value", cell(item))
        elif isinstance(value, list):
            yield ("report", "", name, cell([_plain(item) for item in value]))
        else:
            yield ("report", "", name, cell(value))


def _fields(
    section: str, key: str, row: BaseModel, skip: tuple[str, ...]
) -> Iterator[tuple[str, str, str, str]]:
    for name in type(row).model_fields:
        if name in skip:
            continue
        value = getattr(row, name)
        if isinstance(value, dict):
            for inner, item in value.items():
                yield (section, key, f"{name}.{inner}", cell(item))
        else:
            yield (section, key, name, cell(_plain(value)))


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value

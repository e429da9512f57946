"""Structured JSON logs that carry the correlation id of the request or event being handled.

No personal data in logs: a logged exception shows where it was raised and its type, but its
message only for errors of the infrastructure (broker or database unreachable, which say
what), since other messages may quote what the code was given (a pydantic ValidationError
quotes its input, an exception raised by a handler may name a customer). This covers every
logger, uvicorn's "Exception in ASGI application" included. SQL parameters are kept out of
SQLAlchemy's messages by the engines (``hide_parameters``).
"""

import json
import logging
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType

from aiokafka.errors import KafkaError
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)


# Errors whose message says what could not be reached, never what was being written.
MESSAGES_SHOWN: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    KafkaError,
    OperationalError,
    InterfaceError,
)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def redacted_traceback(error: BaseException) -> str:
    """Like ``traceback.format_exception(error)`` (chained exceptions included), with each
    exception's message replaced as described above."""
    lines: list[str] = []
    seen: set[int] = set()

    def add(exc: BaseException) -> None:
        seen.add(id(exc))
        if exc.__cause__ is not None and id(exc.__cause__) not in seen:
            add(exc.__cause__)
            lines.append(
                "\nThe above exception was the direct cause of the following exception:\n\n"
            )
        elif (
            exc.__context__ is not None
            and not exc.__suppress_context__
            and id(exc.__context__) not in seen
        ):
            add(exc.__context__)
            lines.append(
                "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
        if exc.__traceback__ is not None:
            lines.append("Traceback (most recent call last):\n")
            lines.extend(traceback.format_tb(exc.__traceback__))
        lines.append(describe_error(exc) + "\n")

    add(error)
    return "".join(lines).rstrip("\n")


def describe_error(error: BaseException) -> str:
    """The exception's type, and what of its message a log may show."""
    kind = type(error)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'value'} ({e['type']})"
            for e in error.errors(include_input=False, include_url=False)
        )
        return f"{name}: {error.error_count()} validation error(s): {problems} (input withheld)"
    if isinstance(error, MESSAGES_SHOWN):
        return f"{name}: {error}"
    return f"{name} (message withheld: it may quote personal data)"


class _RedactingFormatter(logging.Formatter):
    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 (logging's name)
        error = ei[1]
        return redacted_traceback(error) if error is not None else ""


class JsonFormatter(_RedactingFormatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if cid := correlation_id.get():
            entry["correlation_id"] = cid
        for key, value in getattr(record, "context", {}).items():
            entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stdout)
    if as_json:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(_RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka logs every reconnect attempt at ERROR while the broker is away; the relay and
    # consumers report outages themselves, once, with context.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)

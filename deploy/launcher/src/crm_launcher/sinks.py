"""The development sinks ``crm up`` runs beside marketing, so that its e-mail and SMS really
travel (SMTP, HTTP) to something that keeps them: the mail catcher (``<data dir>/mail/*.eml``)
and the SMS sink (``<data dir>/sms/messages.jsonl``).

Each listens on 127.0.0.1, on ``CRM_MAIL_CATCHER_PORT`` (1025) and ``CRM_SMS_SINK_PORT``
(8025), and marketing is pointed at it (``CRM_MARKETING_SMTP_URL``, ``CRM_MARKETING_SMS_URL``).
A sink is not started when marketing is not run, or when its marketing URL is set (the
messages go there instead). A taken port is not fatal: marketing then talks to whatever
listens there (a Mailpit, say), as the launcher says.
"""

import contextlib
from collections.abc import AsyncIterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Protocol

from crm_launcher.logs import PrefixedPrinter
from crm_launcher.mail_catcher import BOUNCE_DOMAIN, MailCatcher
from crm_launcher.sms_sink import INVALID_NUMBER_SUFFIX, SmsSink

SINK_HOST = "127.0.0.1"
DEFAULT_MAIL_CATCHER_PORT = 1025
DEFAULT_SMS_SINK_PORT = 8025


class _Sink(Protocol):
    @property
    def url(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@contextlib.asynccontextmanager
async def development_sinks(
    services: Sequence[str],
    configured: Mapping[str, str],
    child_env: MutableMapping[str, str],
    data_dir: Path,
    printer: PrefixedPrinter,
) -> AsyncIterator[list[str]]:
    """Runs the sinks marketing needs for the block; yields a line per sink for the URL table.
    ``configured`` is the operator's environment, ``child_env`` the services' (updated)."""
    notes: list[str] = []
    if "marketing" not in services:
        yield notes
        return
    mail_port = int(configured.get("CRM_MAIL_CATCHER_PORT", DEFAULT_MAIL_CATCHER_PORT))
    sms_port = int(configured.get("CRM_SMS_SINK_PORT", DEFAULT_SMS_SINK_PORT))
    wanted: list[tuple[str, str, _Sink, str]] = [
        (
            "mail catcher",
            "CRM_MARKETING_SMTP_URL",
            MailCatcher(SINK_HOST, mail_port, data_dir / "mail"),
            f"keeps every e-mail in {data_dir / 'mail'} (recipients @{BOUNCE_DOMAIN} bounce)",
        ),
        (
            "SMS sink",
            "CRM_MARKETING_SMS_URL",
            SmsSink(SINK_HOST, sms_port, data_dir / "sms"),
            f"appends every SMS to {data_dir / 'sms' / 'messages.jsonl'} "
            f"(numbers ending {INVALID_NUMBER_SUFFIX} bounce)",
        ),
    ]
    async with contextlib.AsyncExitStack() as running:
        for name, variable, sink, what in wanted:
            if variable in configured:
                continue
            try:
                await sink.start()
            except OSError as exc:
                printer.say(
                    f"warning: no development {name} ({sink.url}: {exc.strerror or exc}); "
                    "marketing sends to whatever listens there"
                )
            else:
                running.push_async_callback(sink.stop)
                notes.append(f"{name}: {sink.url} {what}")
                printer.say(f"started the development {notes[-1]}")
            child_env[variable] = sink.url
        yield notes

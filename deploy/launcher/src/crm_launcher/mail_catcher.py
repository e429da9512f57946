"""The development mail catcher: an SMTP server (aiosmtpd) that keeps every message it accepts
as an ``.eml`` file, so an e-mail the CRM sends under ``crm up`` can be opened and read.

It accepts any recipient except those at ``bounce.invalid`` (a domain that never exists,
RFC 2606), which it refuses with 550 so that a bounce can be tried by hand.
"""

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

BOUNCE_DOMAIN = "bounce.invalid"


class CatcherHandler:
    """aiosmtpd's handler: the ``handle_*`` hooks it calls by name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.rpartition("@")[2].lower() == BOUNCE_DOMAIN:
            return f"550 5.1.1 <{address}>: no such user here ({BOUNCE_DOMAIN} always bounces)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        # Sortable by arrival; the suffix keeps two messages of one microsecond apart.
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{name}.eml.part"
        partial.write_bytes(content)
        partial.rename(self.folder / f"{name}.eml")  # whoever lists *.eml sees whole files
        return f"250 2.0.0 Ok: queued as {name}"


class MailCatcher:
    """The catcher on ``host:port`` (0: any free port), in the running event loop."""

    def __init__(self, host: str, port: int, folder: Path) -> None:
        self.host = host
        self.port = port
        self.folder = folder
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen; raises OSError when the port is taken."""
        loop = asyncio.get_running_loop()
        handler = CatcherHandler(self.folder)
        self._server = await loop.create_server(
            # hostname given: aiosmtpd would otherwise ask the resolver for our FQDN.
            lambda: SMTP(handler, hostname="crm-mail-catcher", enable_SMTPUTF8=True, loop=loop),
            self.host,
            self.port,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

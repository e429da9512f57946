"""Record-level access and personal data at the HTTP edge.

- :data:`AccessDep`: the caller's :class:`~crm_shared.auth.access.Access` (its record scope,
  which routes pass to their services, and whether it reads personal data unmasked, which
  the response mapping decides on);
- :class:`PrivateAnswers`: every answer to a request with a token is ``Cache-Control:
  private`` and ``Vary: Authorization``. What a record looks like depends on who asks (one
  caller gets it masked, another in full, a third not at all) while its ``ETag`` stays the
  record's version (so that ``If-Match`` works for everyone): no shared cache may keep one
  caller's answer for another, and a private cache keeps one variant per token.
"""

from typing import Annotated

from fastapi import Depends
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.api.auth import PrincipalDep
from crm_shared.auth.access import Access, access_of


async def get_access(principal: PrincipalDep) -> Access:
    return access_of(principal)


AccessDep = Annotated[Access, Depends(get_access)]


class PrivateAnswers:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "authorization" not in Headers(scope=scope):
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Cache-Control", "private")
                headers.add_vary_header("Authorization")
            await send(message)

        await self.app(scope, receive, send_private)

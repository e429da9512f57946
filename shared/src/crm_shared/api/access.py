"""Record-level access and personal data at the HTTP edge.

- :data:`AccessDep`: the caller's :class:`~crm_shared.auth.access.Access` (its record scope,
  which routes pass to their services, and whether it reads personal data unmasked, which
  the response mapping decides on);

What a record looks like depends on who asks (one caller gets it masked, another in full, a
third not at all) while its ``ETag`` stays the record's version (so that ``If-Match`` works
for everyone): :class:`~crm_shared.api.http_rules.SecurityHeaders` makes every answer
``Cache-Control: private`` (unless a route says otherwise) and answers to a request with a
token ``Vary: Authorization``, so no shared cache keeps one caller's answer for another.
"""

from typing import Annotated

from fastapi import Depends

from crm_shared.api.auth import PrincipalDep
from crm_shared.auth.access import Access, access_of


async def get_access(principal: PrincipalDep) -> Access:
    return access_of(principal)


AccessDep = Annotated[Access, Depends(get_access)]

"""Optimistic concurrency at the HTTP edge: ``ETag`` carries a record's version, ``If-Match``
must name it.

The rule, on every service: every write to an existing record (``PATCH``, ``PUT``,
``DELETE``, and a ``POST`` that changes a record: a state transition, a merge, an erasure)
requires ``If-Match``. Creates need none.

- absent: ``428`` (``…/problems/if-match-required``);
- malformed, i.e. neither ``*`` nor a comma-separated list of entity tags ``"…"`` or
  ``W/"…"`` (so ``1``, ``null`` or an empty value): ``400`` (``…/problems/invalid-if-match``);
- no listed tag names the record's current version: ``412`` (``…/problems/stale-version``,
  with ``current_etag``), decided by the use case with
  :func:`crm_shared.preconditions.check_version`.

``*`` accepts any version. A weak tag ``W/"3"`` compares as ``"3"``: our tags are versions,
and a proxy that weakens a tag (say, when it compresses the body) still names the version
read. A route takes :data:`ExpectedVersionDep`; its router uses ``route_class=IfMatchRoute``
so that the OpenAPI document says ``If-Match`` is required, with its syntax, on exactly the
operations that require it (the dependency answers 428 itself, so FastAPI alone would
document the header as optional).
"""

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from crm_shared.api.problems import TYPE_BASE, Problem
from crm_shared.preconditions import ExpectedVersion, etag_of

IF_MATCH = "If-Match"
# RFC 9110: If-Match = "*" / #entity-tag, entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE.
_ENTITY_TAG = r'(W/)?"[^"]*"'
IF_MATCH_PATTERN = rf"^(\*|{_ENTITY_TAG}(\s*,\s*{_ENTITY_TAG})*)$"
_SYNTAX = re.compile(IF_MATCH_PATTERN)
_TAG = re.compile(r'(?:W/)?"([^"]*)"')
_VERSION = re.compile(r"0|[1-9][0-9]*")

IF_MATCH_DESCRIPTION = (
    "Required: the ETag of the version you read (`*`: any version). Without it the answer "
    'is 428; a value that is not `*` or a comma-separated list of entity tags (`"3"`, '
    '`W/"3"`) is 400; when no listed tag is the current version, 412 with `current_etag`: '
    "read the record again and re-apply your change."
)


def etag_for(version: int) -> str:
    return etag_of(version)


def parse_if_match(value: str | None) -> ExpectedVersion:
    """``If-Match`` as the versions it accepts (our ETags are ``"<version>"``; any other
    well-formed tag matches no version)."""
    if value is None:
        raise Problem(
            428,
            "send If-Match with the ETag you read, so that no one else's update is lost",
            type_=TYPE_BASE + "if-match-required",
        )
    value = value.strip()
    if _SYNTAX.fullmatch(value) is None:
        raise Problem(
            400,
            f'If-Match must be * or a comma-separated list of entity tags such as "3" '
            f"(the ETag you read, quotes included), not {value[:40]!r}",
            type_=TYPE_BASE + "invalid-if-match",
        )
    if value == "*":
        return ExpectedVersion(any_version=True)
    tags = (match.group(1) for match in _TAG.finditer(value))
    return ExpectedVersion(frozenset(int(tag) for tag in tags if _VERSION.fullmatch(tag)))


async def expected_version(
    if_match: Annotated[str | None, Header(alias=IF_MATCH, include_in_schema=False)] = None,
) -> ExpectedVersion:
    return parse_if_match(if_match)


ExpectedVersionDep = Annotated[ExpectedVersion, Depends(expected_version)]

IF_MATCH_PARAMETER: dict[str, Any] = {
    "name": IF_MATCH,
    "in": "header",
    "required": True,
    "description": IF_MATCH_DESCRIPTION,
    "schema": {"type": "string", "pattern": IF_MATCH_PATTERN, "examples": ['"3"', "*"]},
}
IF_MATCH_RESPONSES: dict[str, Any] = {
    "400": {"description": "Malformed request (here: If-Match is not * nor entity tags)"},
    "412": {"description": "Precondition failed: the record has changed since you read it"},
    "428": {"description": "Precondition required: send If-Match with the ETag you read"},
}


def depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    """Whether ``call`` is among the dependencies of a route (at any depth)."""
    return any(sub.call is call or depends_on(sub, call) for sub in dependant.dependencies)


class IfMatchRoute(APIRoute):
    """A route that documents ``If-Match`` as required (with its syntax and the answers
    400, 412 and 428) when its endpoint takes :data:`ExpectedVersionDep`."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if depends_on(self.dependant, expected_version):
            self.openapi_extra = _with_if_match(self.openapi_extra)


def _with_if_match(extra: dict[str, Any] | None) -> dict[str, Any]:
    # A router included in another re-creates its routes with their openapi_extra: add once.
    extra = dict(extra or {})
    parameters = list(extra.get("parameters", []))
    if not any(parameter.get("name") == IF_MATCH for parameter in parameters):
        parameters.append(IF_MATCH_PARAMETER)
    extra["parameters"] = parameters
    extra["responses"] = {**IF_MATCH_RESPONSES, **extra.get("responses", {})}
    return extra

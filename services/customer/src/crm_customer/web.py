"""HTTP helpers every router of this service uses."""

import re
from typing import Annotated, Any

from crm_shared.api.concurrency import etag_for
from crm_shared.api.deps import IfMatchDep, get_runtime
from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from crm_customer.preconditions import ExpectedVersion
from crm_customer.settings import CustomerSettings


def get_settings(request: Request) -> CustomerSettings:
    settings = get_runtime(request).settings
    assert isinstance(settings, CustomerSettings)
    return settings


SettingsDep = Annotated[CustomerSettings, Depends(get_settings)]

# Who made a change, for the audit trails (consent, lifecycle, credit). Until the platform
# authenticates callers, the caller names itself; an authenticated principal replaces this.
ActorDep = Annotated[
    str | None,
    Header(alias="X-Actor", max_length=100, description="Who makes the change (audit trail)"),
]

StrictDep = Annotated[
    bool | None,
    Query(description="Refuse (409) instead of warn when the customer looks like a duplicate"),
]

_VERSION_TAG = re.compile(r'"(0|[1-9][0-9]*)"')


def expected_version(if_match: IfMatchDep = None) -> ExpectedVersion | None:
    """``If-Match`` as the versions it accepts (our ETags are ``"<version>"``; a weak tag
    compares as its strong form, any other tag matches no version)."""
    if if_match is None:
        return None
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in tags:
        return ExpectedVersion(any_version=True)
    matches = (_VERSION_TAG.fullmatch(tag) for tag in tags)
    return ExpectedVersion(frozenset(int(match.group(1)) for match in matches if match))


ExpectedVersionDep = Annotated[ExpectedVersion | None, Depends(expected_version)]


def json_response(
    body: BaseModel | list[Any] | dict[str, Any],
    *,
    status_code: int = 200,
    version: int | None = None,
    location: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    content = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    all_headers = dict(headers or {})
    if version is not None:
        all_headers["ETag"] = etag_for(version)
    if location is not None:
        all_headers["Location"] = location
    return JSONResponse(content, status_code=status_code, headers=all_headers)

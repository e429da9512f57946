"""HTTP helpers every router of this service uses."""

from typing import Annotated, Any

from crm_shared.api.concurrency import etag_for
from crm_shared.api.deps import get_runtime
from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

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
    Header(
        alias="X-Actor",
        max_length=100,
        description="Who makes the change (audit trail); also scopes Idempotency-Key",
    ),
]

StrictDep = Annotated[
    bool | None,
    Query(description="Refuse (409) instead of warn when the customer looks like a duplicate"),
]


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

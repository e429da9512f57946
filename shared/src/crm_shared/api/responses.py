"""The JSON answer of a route that reads or writes one record."""

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from crm_shared.api.concurrency import etag_for


def json_response(
    body: BaseModel | list[Any] | dict[str, Any],
    *,
    status_code: int = 200,
    version: int | None = None,
    location: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """``body`` as JSON; ``version`` becomes the ``ETag``, ``location`` the ``Location``."""
    content = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    all_headers = dict(headers or {})
    if version is not None:
        all_headers["ETag"] = etag_for(version)
    if location is not None:
        all_headers["Location"] = location
    return JSONResponse(content, status_code=status_code, headers=all_headers)

"""The JSON answer of a route that reads or writes one record."""

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from crm_shared.api.concurrency import etag_for


class _JSON(JSONResponse):
    """A JSONResponse that also takes a body already rendered (pydantic writes a model's JSON
    in Rust, several times faster than dumping it to Python objects for ``json.dumps``)."""

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else super().render(content)


def json_response(
    body: BaseModel | list[Any] | dict[str, Any],
    *,
    status_code: int = 200,
    version: int | None = None,
    location: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """``body`` as JSON; ``version`` becomes the ``ETag``, ``location`` the ``Location``."""
    content = body.__pydantic_serializer__.to_json(body) if isinstance(body, BaseModel) else body
    all_headers = dict(headers or {})
    if version is not None:
        all_headers["ETag"] = etag_for(version)
    if location is not None:
        all_headers["Location"] = location
    return _JSON(content, status_code=status_code, headers=all_headers)

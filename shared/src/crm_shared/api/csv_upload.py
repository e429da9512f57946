"""A CSV file sent to an import endpoint: as the body (``text/csv``) or as the ``file`` field
of a form, at most a size the service sets; and the OpenAPI request body that says so."""

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from crm_shared.api.problems import TYPE_BASE, Problem

CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


async def read_csv_upload(request: Request, max_bytes: int) -> bytes:
    """The CSV, sent as the body (text/csv) or as the ``file`` field of a form; 413 when it
    is larger than ``max_bytes``, 415 when it is neither."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        await request.body()  # kept by the request: the idempotency fingerprint reads it too
        form = await request.form(max_files=1)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Problem(
                422, "send the CSV as the form field 'file'", type_=TYPE_BASE + "invalid-csv"
            )
        content = await upload.read(max_bytes + 1)
    elif content_type in ("text/csv", "text/plain", "application/csv"):
        content = await request.body()
    else:
        raise Problem(415, "send text/csv, or multipart/form-data with a 'file' field")
    if len(content) > max_bytes:
        raise Problem(
            413, f"the file is larger than {max_bytes} bytes; split it", title="Content too large"
        )
    return content

"""CSV import (POST /v1/customers/import) and export (GET /v1/customers/export)."""

import functools
from typing import Annotated

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.csv_upload import CSV_BODY, read_csv_upload
from crm_shared.api.deps import IdempotencyKeyDep, RuntimeDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.ratelimit import rows_meter
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.csv_export import CSV_MEDIA_TYPE
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from crm_customer.customers.search import CustomerFilter
from crm_customer.customers.service import search_phone
from crm_customer.imports.export import export_lines
from crm_customer.imports.schemas import ImportSummary
from crm_customer.imports.service import import_customers
from crm_customer.web import ActorDep, SettingsDep

router = APIRouter(prefix="/v1/customers", tags=["import and export"])


@router.post(
    "/import",
    dependencies=[requires(Permission.CUSTOMERS_IMPORT)],
    response_model=ImportSummary,
    openapi_extra=CSV_BODY,
    summary="Import customers from CSV: good rows kept, bad rows reported by line",
)
async def import_csv(
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    actor: ActorDep = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    content = await read_csv_upload(request, settings.import_max_bytes)

    async def action() -> JSONResponse:
        # The import costs its rows (429 before anything is written when over the limit).
        summary = await import_customers(
            uow, content, settings, actor, rows_meter(request), scope=access.scope
        )
        return json_response(summary)

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "/export",
    dependencies=[requires(Permission.CUSTOMERS_EXPORT)],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Export customers as CSV (the same filters as the search)",
    description="The customers within the caller's reach. Personal data (e-mail, phone, "
    "street, postal code, birth date) needs `customers:pii` as well as `customers:export`: "
    "without it those columns are masked, as in every other answer.",
)
async def export_csv(
    request: Request,
    filters: Annotated[CustomerFilter, Query()],
    runtime: RuntimeDep,
    settings: SettingsDep,
    access: AccessDep,
) -> StreamingResponse:
    phone = search_phone(filters, settings)  # a bad filter fails before streaming starts
    read_only_unit = functools.partial(runtime.unit_of_work, read_only=True)
    # The export costs the rows it returns, owed as they are sent (the caller waits after).
    sent = rows_meter(request, served=True)
    lines = export_lines(
        read_only_unit,
        filters,
        phone,
        settings.export_batch_size,
        access.scope,
        access.personal_data,
        sent,
    )
    return StreamingResponse(
        lines,
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="customers.csv"'},
    )

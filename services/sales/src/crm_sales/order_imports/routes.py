"""POST /v1/orders/import: an ERP's order history from CSV."""

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.csv_upload import CSV_BODY, read_csv_upload
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.api.ratelimit import rows_meter
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from crm_sales.csv_imports import ImportSummary
from crm_sales.order_imports import service
from crm_sales.web import SettingsDep

router = APIRouter(prefix="/v1/orders", tags=["orders"])


@router.post(
    "/import",
    dependencies=[requires(Permission.SALES_IMPORT)],
    response_model=ImportSummary,
    openapi_extra=CSV_BODY,
    summary="Import order history from CSV: good rows kept, bad rows reported by line",
    description="Header: `customer_id` or `customer_external_id`, `ordered_at`, `amount`; "
    "optional `quantity`, `product`, `external_id`, `currency`, `paid_amount`, `paid_at`, "
    "`payment_terms_days`, `due_date`. A row with no payment columns filled is history, "
    "paid in full on its order date; `paid_amount` 0 imports it unpaid. Importing a file "
    "again skips the rows already in (by `external_id`; without one by customer, "
    "ordered_at, amount and product). A malformed file is refused whole (422 with its "
    "line); a file over CRM_SALES_ORDER_IMPORT_MAX_BYTES is 413. Rows are written in "
    "chunks of CRM_SALES_ORDER_IMPORT_CHUNK_ROWS, each committed on its own: after a crash, "
    "send the file again. No Idempotency-Key: a repeated file is idempotent by itself.",
)
async def import_orders(
    request: Request, uow: UnitOfWorkDep, settings: SettingsDep, access: AccessDep
) -> JSONResponse:
    content = await read_csv_upload(request, settings.order_import_max_bytes)
    plan = await service.plan_import(
        uow, content, settings, access.scope, charge_rows=rows_meter(request)
    )
    for chunk in plan.chunks(settings.order_import_chunk_rows):
        await service.write_chunk(uow, chunk, plan)
        await uow.commit()
    return json_response(plan.summary())

"""POST /v1/leads/import: leads from CSV (a trade fair's list, another system's export)."""

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
from crm_sales.lead_imports import service
from crm_sales.web import SettingsDep

router = APIRouter(prefix="/v1/leads", tags=["leads"])


@router.post(
    "/import",
    dependencies=[requires(Permission.SALES_IMPORT)],
    response_model=ImportSummary,
    openapi_extra=CSV_BODY,
    summary="Import leads from CSV: good rows kept, bad rows reported by line",
    description="Header: `name`; optional `company`, `email`, `phone`, `source`, "
    "`campaign_id`, `owner`, `industry`, `region`, `role`, `company_size`, `external_id`. "
    "Each cell obeys the rules of POST /v1/leads, and each new lead is made as that makes "
    "one: matched to the customer with its e-mail or phone, routed by the allocation rules "
    "when `owner` is empty, scored with its reasons, announced (LeadCreated). A caller may "
    "name as owner only itself, a member of a team it manages, or nobody (else the row is "
    "an error). Skipped, not errors: a row whose `external_id` a lead holds, a row whose "
    "e-mail or phone (compared normalised) is an open lead's, and a row whose e-mail or "
    "phone an earlier row of the file has (the first wins): importing a file again imports "
    "nothing twice. A malformed file is refused whole (422 with its line); a file over "
    "CRM_SALES_LEAD_IMPORT_MAX_BYTES is 413. Rows are written in chunks of "
    "CRM_SALES_LEAD_IMPORT_CHUNK_ROWS, each committed on its own: after a crash, send the "
    "file again. No Idempotency-Key: a repeated file is idempotent by itself.",
)
async def import_leads(
    request: Request, uow: UnitOfWorkDep, settings: SettingsDep, access: AccessDep
) -> JSONResponse:
    content = await read_csv_upload(request, settings.lead_import_max_bytes)
    plan = await service.plan_import(
        uow, content, settings, access.scope, charge_rows=rows_meter(request)
    )
    for chunk in plan.chunks(settings.lead_import_chunk_rows):
        await service.write_chunk(uow, chunk, plan, settings)
        await uow.commit()
    return json_response(plan.summary())

"""``GET /v1/reports/complaints``: the weekly or monthly complaint statistics, as JSON or as
CSV (long format: one value per row)."""

from typing import Annotated

from crm_shared.api.auth import requires
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.api.openapi import problem_responses
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.csv_export import CSV_MEDIA_TYPE, csv_text
from crm_shared.fields import TimeZone
from crm_shared.long_csv import ReportFormat, wants_csv
from fastapi import APIRouter, Header, Query, Response

from crm_support.reports import service
from crm_support.reports.rules import PERIOD_FORMS
from crm_support.reports.schemas import DEFAULT_KIND, ComplaintReport, KindFilter

router = APIRouter(prefix="/v1/reports", tags=["reports"])

CSV_EXAMPLE = (
    "section,dimension,key,metric,value\r\n"
    "tickets,,,count,12\r\n"
    "tickets,category,billing,count,5\r\n"
    "time_to_resolution,category,billing,median_seconds,86400.0\r\n"
)


@router.get(
    "/complaints",
    dependencies=[requires(Permission.SUPPORT_READ)],
    response_model=ComplaintReport,
    summary="Complaint statistics of a week or a month (JSON or CSV)",
    description="Over the tickets received in the period (complaints unless `kind` says "
    "otherwise; `department` narrows to one): counts by category, channel, department and "
    "owner, major ones, grievances that became complaints, rework (tickets reopened) per "
    "owner; time to first contact and to resolution (nearest-rank median and 90th "
    "percentile, in seconds; overall and per category); the first-contact resolution rate "
    "(resolved tickets that never entered `investigating`); each target's met / breached / "
    "open / cancelled counts (the targets' state now). Also the recoveries recorded in the "
    "period (summed per currency and kind, never across currencies), the surveys answered "
    "in the period (per department and item: answers, mean score, mean C = score / "
    "expected; the strongest and weakest item) and the crisis alerts raised in it. The "
    "period runs from midnight to midnight in `tz` (UTC by default), the bounds given in "
    "UTC. CSV (`format=csv`, or `Accept: text/csv`): columns section, dimension, key, "
    "metric, value; an empty value is one that cannot be measured (no data).",
    responses={
        200: {
            "description": "The report: JSON, or CSV in long format",
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
            },
        },
        **problem_responses(422, s422=f"A period that is not {PERIOD_FORMS}, or an unknown tz"),
    },
)
async def complaint_report(
    uow: UnitOfWorkDep,
    period: Annotated[
        str,
        Query(max_length=20, description=f"{PERIOD_FORMS}", examples=["2026-W49", "2026-12"]),
    ],
    kind: Annotated[KindFilter, Query(description="The kind of ticket; `all`: every kind")] = (
        DEFAULT_KIND
    ),
    department: Annotated[str | None, Query(max_length=100, description="one department's")] = None,
    tz: Annotated[TimeZone, Query(description="IANA time zone of the period's midnights")] = "UTC",
    chosen: Annotated[
        ReportFormat | None,
        Query(alias="format", description="json or csv; else the Accept header decides"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    report = await service.complaint_report(uow, period, kind=kind, department=department, tz=tz)
    # The answer depends on Accept: a cache must not serve one form for the other.
    if not wants_csv(chosen, accept):
        return json_response(report, headers={"Vary": "Accept"})
    return Response(
        csv_text(service.CSV_COLUMNS, service.csv_rows(report)),
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="complaints-{report.period.label}.csv"',
            "Vary": "Accept",
        },
    )

"""GET /v1/reports/csi: the satisfaction (CSI) report of a period, JSON or CSV."""

from typing import Annotated

from crm_shared.api.auth import requires
from crm_shared.api.deps import SessionDep
from crm_shared.api.openapi import problem_responses
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.csv_export import CSV_MEDIA_TYPE, csv_text
from crm_shared.long_csv import ReportFormat, wants_csv
from fastapi import APIRouter, Header, Query, Response

from crm_analytics.reporting import CSV_COLUMNS, PERIOD_FORMS
from crm_analytics.satisfaction import service
from crm_analytics.satisfaction.schemas import CsiReport
from crm_analytics.web import SettingsDep

router = APIRouter(prefix="/v1/reports", tags=["reports"])

CSV_EXAMPLE = (
    "section,dimension,key,metric,value\r\n"
    "csi,,,answers,40\r\n"
    "csi,department,service,mean_satisfaction,1.05\r\n"
    "csi,department_item,service/speed,dissatisfied_percent,25.0\r\n"
)


@router.get(
    "/csi",
    dependencies=[requires(Permission.ANALYTICS_READ)],
    response_model=CsiReport,
    summary="Customer satisfaction (CSI) of a period, by department and item (JSON or CSV)",
    description="Over the follow-up survey answers of the surveys answered in the period "
    "(midnight to midnight UTC; `department` narrows to one): overall, per department (the "
    "survey's) and per item, the answers, the mean score, the mean C = score / expected "
    "(answers without an expected score have no C and count in neither the mean C nor the "
    "shares), the shares of answers that exceeded (C > 1), met (C = 1) or fell short of "
    "(C < 1) the expectation, and the expected one-year retention: the mean over the answers "
    "of their score's range (CRM_ANALYTICS_CSI_RETENTION_BY_SCORE, DOMAIN.md: 5 → 92-97 %, "
    "4 → 80-85 %, 3 → 60-65 %, 2 → 15-20 %, 1 → 0-5 %). CSV (`format=csv`, or `Accept: "
    "text/csv`): columns section, dimension, key, metric, value; an empty value cannot be "
    "measured.",
    responses={
        200: {
            "description": "The report: JSON, or CSV in long format",
            "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}},
        },
        **problem_responses(422, s422=f"A period that is not {PERIOD_FORMS}"),
    },
)
async def csi_report(
    session: SessionDep,
    settings: SettingsDep,
    period: Annotated[
        str, Query(max_length=20, description=PERIOD_FORMS, examples=["2026-Q1", "2026-03"])
    ],
    department: Annotated[str | None, Query(max_length=100, description="One department's")] = None,
    chosen: Annotated[
        ReportFormat | None,
        Query(alias="format", description="json or csv; else the Accept header decides"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    report = await service.csi_report(session, settings, period, department)
    # The answer depends on Accept: a cache must not serve one form for the other.
    if not wants_csv(chosen, accept):
        return json_response(report, headers={"Vary": "Accept"})
    return Response(
        csv_text(CSV_COLUMNS, service.csv_rows(report)),
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="csi-{report.period.label}.csv"',
            "Vary": "Accept",
        },
    )

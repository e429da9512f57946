"""/v1/campaigns: plan, list, read, change, launch, pause, resume, stop, and the results."""

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Annotated, Any
from uuid import UUID

from crm_shared.api.auth import requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page, decode_cursor, encode_cursor
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.csv_export import CSV_MEDIA_TYPE, csv_text
from crm_shared.db import UnitOfWork
from crm_shared.long_csv import CSV_COLUMNS, PeriodOut, ReportFormat, long_rows, wants_csv
from crm_shared.preconditions import ExpectedVersion
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from crm_marketing.campaigns import service
from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.results import PERIOD_FORMS, campaign_report, campaign_results
from crm_marketing.campaigns.rules import CampaignStatus
from crm_marketing.campaigns.schemas import (
    CampaignCreate,
    CampaignOut,
    CampaignReportOut,
    CampaignUpdate,
    MessageIn,
    ResultsOut,
)
from crm_marketing.web import ActorDep, SettingsDep

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], route_class=IfMatchRoute)

STATE_CONFLICT = problem_responses(409, s409="the campaign's state does not allow it")
Chosen = Annotated[
    ReportFormat | None,
    Query(alias="format", description="json or csv; else the Accept header decides"),
]
Accept = Annotated[str | None, Header(include_in_schema=False)]
CSV_FORMS = "JSON, or CSV with `format=csv` or `Accept: text/csv`: columns section, key, metric, "
CSV_FORMS += "value (one value per row; an empty value is none, e.g. the ROI without a cost)."


def _csv_answer(example: str) -> dict[str, Any]:
    return {
        "description": "JSON, or CSV in long form (section, key, metric, value)",
        "content": {"text/csv": {"schema": {"type": "string"}, "example": example}},
    }


def _report_answer(
    report: BaseModel, name: str, chosen: ReportFormat | None, accept: str | None
) -> Response:
    # The answer depends on Accept: a cache must not serve one form for the other.
    if not wants_csv(chosen, accept):
        return json_response(report, headers={"Vary": "Accept"})
    return Response(
        csv_text(CSV_COLUMNS, long_rows(report)),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Vary": "Accept"},
    )


def campaign_out(campaign: Campaign) -> CampaignOut:
    fields = {
        name: getattr(campaign, name) for name in CampaignOut.model_fields if name != "message"
    }
    message = MessageIn(subject=campaign.subject, body=campaign.body, html=campaign.html)
    return CampaignOut.model_validate({**fields, "message": message})


def _answer(campaign: Campaign, *, status_code: int = 200) -> JSONResponse:
    return json_response(campaign_out(campaign), status_code=status_code, version=campaign.version)


@router.post(
    "",
    dependencies=[requires(Permission.CAMPAIGNS_WRITE)],
    status_code=201,
    response_model=CampaignOut,
    summary="Plan a campaign (a draft until launched)",
    description="Its audience is a saved segment of analytics (`segment_id`) or an inline "
    "filter (`audience`, the segments' filter language), exactly one of them: analytics saves "
    "an inline filter as a segment of its own (the answer's `segment_id`) and evaluates it. "
    "Its message is a sandboxed template per channel (checked now: a syntax error is a 422 "
    "naming the field and line).",
)
async def create_campaign(
    body: CampaignCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        campaign = await service.create_campaign(uow, body, settings, actor=actor)
        return json_response(
            campaign_out(campaign),
            status_code=201,
            version=campaign.version,
            location=f"/v1/campaigns/{campaign.id}",
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=[requires(Permission.CAMPAIGNS_READ)],
    response_model=Page[CampaignOut],
    summary="List campaigns, newest last (by status)",
)
async def list_campaigns(
    uow: UnitOfWorkDep,
    limit: LimitDep,
    status: Annotated[CampaignStatus | None, Query()] = None,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[CampaignOut]:
    page = await service.list_campaigns(uow, status, decode_cursor(cursor), limit, count=total)
    return Page[CampaignOut](
        items=[campaign_out(campaign) for campaign in page.items],
        next_cursor=encode_cursor(page.next_cursor) if page.next_cursor else None,
        limit=limit,
        total=page.total,
    )


@router.get(
    "/{campaign_id}",
    dependencies=[requires(Permission.CAMPAIGNS_READ)],
    response_model=CampaignOut,
    summary="Read a campaign",
)
async def get_campaign(campaign_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    return _answer(await service.load(uow, str(campaign_id)))


@router.patch(
    "/{campaign_id}",
    dependencies=[requires(Permission.CAMPAIGNS_WRITE)],
    response_model=CampaignOut,
    summary="Change a campaign (once launched: its plan only)",
    responses=STATE_CONFLICT,
)
async def update_campaign(
    campaign_id: UUID, body: CampaignUpdate, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    campaign = await service.update_campaign(uow, str(campaign_id), body, expected)
    await uow.commit()
    return _answer(campaign)


Transition = Callable[[UnitOfWork, str, ExpectedVersion], Awaitable[Campaign]]


async def _act(
    use_case: Transition,
    campaign_id: UUID,
    uow: UnitOfWork,
    expected: ExpectedVersion,
    status_code: int = 200,
) -> JSONResponse:
    campaign = await use_case(uow, str(campaign_id), expected)
    await uow.commit()
    return _answer(campaign, status_code=status_code)


@router.post(
    "/{campaign_id}/launch",
    dependencies=[requires(Permission.CAMPAIGNS_WRITE)],
    status_code=202,
    response_model=CampaignOut,
    summary="Launch: the segment's members now are the audience; the sender takes it on",
    description="Answers at once (202): messages go out in the background, each member at "
    "most once. With `starts_at` ahead the campaign is `scheduled` until then, and with an "
    "inline audience whose members have not all arrived from analytics "
    "(`audience_ready` false) until they have.",
    responses=STATE_CONFLICT,
)
async def launch_campaign(
    campaign_id: UUID, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    return await _act(service.launch, campaign_id, uow, expected, status_code=202)


@router.post(
    "/{campaign_id}/pause",
    dependencies=[requires(Permission.CAMPAIGNS_WRITE)],
    response_model=CampaignOut,
    summary="Pause sending (what was sent stays sent)",
    responses=STATE_CONFLICT,
)
async def pause_campaign(
    campaign_id: UUID, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    return await _act(service.pause, campaign_id, uow, expected)


@router.post(
    "/{campaign_id}/resume",
    dependencies=[requires(Permission.CAMPAIGNS_WRITE)],
    response_model=CampaignOut,
    summary="Resume a paused campaign",
    responses=STATE_CONFLICT,
)
async def resume_campaign(
    campaign_id: UUID, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    return await _act(service.resume, campaign_id, uow, expected)


@router.post(
    "/{campaign_id}/stop",
    dependencies=[requires(Permission.CAMPAIGNS_WRITE)],
    response_model=CampaignOut,
    summary="Stop for good: what still waits is not sent",
    responses=STATE_CONFLICT,
)
async def stop_campaign(
    campaign_id: UUID, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    return await _act(service.stop, campaign_id, uow, expected)


@router.get(
    "/{campaign_id}/results",
    dependencies=[requires(Permission.CAMPAIGNS_READ)],
    response_model=ResultsOut,
    summary="What the campaign did and earned so far (JSON or CSV)",
    description="Responses count every kind (a click on a tracked link, the response form, "
    "a reply), each message once in `responded` and once per kind in `responses`; an A/B "
    "test's variants are the `variants` section. " + CSV_FORMS,
    responses={
        200: _csv_answer("section,key,metric,value\r\nreport,,sent,120\r\nvariants,A,clicked,9\r\n")
    },
)
async def get_results(
    campaign_id: UUID, uow: UnitOfWorkDep, chosen: Chosen = None, accept: Accept = None
) -> Response:
    results = ResultsOut.model_validate(
        await campaign_results(uow, str(campaign_id)), from_attributes=True
    )
    return _report_answer(results, f"campaign-{campaign_id}-results", chosen, accept)


report_router = APIRouter(prefix="/v1/reports", tags=["campaigns"])


@report_router.get(
    "/campaign-results",
    dependencies=[requires(Permission.CAMPAIGNS_READ)],
    response_model=CampaignReportOut,
    summary="The campaigns of a period: each one's and each channel's figures (JSON or CSV)",
    description="The campaigns launched in the period (midnight to midnight UTC), each with "
    "its figures so far (audience, sent, delivered, bounced, opened, clicked, responded, "
    "unsubscribed, attributed orders and revenue, cost, ROI, response and conversion "
    "rates), and per channel (email, sms, phone, mail; per currency) its campaigns' sums, "
    "with the rates and ROI of the sums. " + CSV_FORMS,
    responses={
        200: _csv_answer(
            "section,key,metric,value\r\nperiod,,label,2026-12\r\n"
            "campaigns,0b9c...,sent,120\r\nchannels,email/EUR,roi,1.5\r\n"
        ),
        **problem_responses(422, s422=f"A period that is not {PERIOD_FORMS}"),
    },
)
async def campaign_results_report(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    period: Annotated[
        str, Query(max_length=20, description=PERIOD_FORMS, examples=["2026-12", "2026-Q4"])
    ],
    chosen: Chosen = None,
    accept: Accept = None,
) -> Response:
    report = await campaign_report(uow, period, settings.currency)
    answer = CampaignReportOut.model_validate(
        {
            "period": PeriodOut.of(report.period),
            "campaigns": [asdict(row) for row in report.campaigns],
            "channels": [asdict(row) for row in report.channels],
        }
    )
    return _report_answer(answer, f"campaign-results-{report.period.label}", chosen, accept)

"""``GET /v1/campaigns/{id}/mail-list``: a direct-mail campaign's letters, as CSV (the
default, for the print shop's mail merge) or JSON."""

from typing import Annotated
from uuid import UUID

from crm_shared.api.auth import requires
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.api.openapi import problem_responses
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.csv_export import CSV_MEDIA_TYPE, csv_text
from fastapi import APIRouter, Header, Query, Response

from crm_marketing.mail_lists import service
from crm_marketing.mail_lists.schemas import CSV_COLUMNS, LetterOut, MailListFormat, MailListOut

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])

CSV_EXAMPLE = (
    "name,street,postal_code,city,region,country,text\r\n"
    'Ada Lovelace,12 St James\'s Square,SW1Y 4JH,London,,GB,"Dear Ada,\r\nour spring offer..."\r\n'
)


def wants_json(chosen: MailListFormat | None, accept: str | None) -> bool:
    """``format`` decides when given; otherwise an ``Accept`` that names JSON and not CSV."""
    if chosen is not None:
        return chosen is MailListFormat.JSON
    wanted = (accept or "").lower()
    return "application/json" in wanted and "text/csv" not in wanted


@router.get(
    "/{campaign_id}/mail-list",
    # The route's permission is the last one (the route table reads it); the list is nothing
    # but names and addresses, so it also needs personal data unmasked.
    dependencies=[requires(Permission.CUSTOMERS_PII), requires(Permission.CAMPAIGNS_WRITE)],
    response_model=MailListOut,
    summary="A direct-mail campaign's mail list (CSV or JSON)",
    description="One line per letter the campaign has written so far (a letter is written "
    "when the sender takes its message: consent `post`, a complete postal address, the "
    "frequency cap), in step order; an erased customer's letters are left out. CSV by "
    "default (`format=csv`, or an `Accept` naming text/csv): columns name, street, "
    "postal_code, city, region, country, text. JSON with `format=json` or an `Accept` naming "
    "only application/json. Needs `customers:pii` as well as `campaigns:write`.",
    responses={
        200: {
            "description": "The mail list: CSV, or JSON",
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": CSV_EXAMPLE}},
        },
        **problem_responses(409, s409="The campaign does not go by mail"),
    },
)
async def get_mail_list(
    campaign_id: UUID,
    uow: UnitOfWorkDep,
    chosen: Annotated[
        MailListFormat | None,
        Query(alias="format", description="csv or json; else the Accept header decides"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    campaign, entries = await service.mail_list(uow, str(campaign_id))
    letters = [LetterOut.model_validate(entry, from_attributes=True) for entry in entries]
    # The answer depends on Accept: a cache must not serve one form for the other.
    if wants_json(chosen, accept):
        body = MailListOut(campaign_id=campaign.id, items=letters)
        return json_response(body, headers={"Vary": "Accept"})
    rows = ([_cell(getattr(letter, column)) for column in CSV_COLUMNS] for letter in letters)
    return Response(
        csv_text(CSV_COLUMNS, rows),
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="mail-list-{campaign.id}.csv"',
            "Vary": "Accept",
        },
    )


def _cell(value: str | None) -> str:
    return "" if value is None else value

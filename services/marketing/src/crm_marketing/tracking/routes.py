"""The customer's links (public: the signed token is the key, and it names only a message):
the open pixel, the tracked click's redirect, the unsubscribe page with its one-click POST
(RFC 8058: ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``) and the response page; and
the replies a mail provider posts (authenticated)."""

from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qsl

from crm_shared.api.auth import public, requires
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pages import charge_by_address, html_doc, html_page
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.html_pages import message_page, page
from crm_shared.signed_links import UnknownLinkError
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from crm_marketing.tracking import service
from crm_marketing.tracking.schemas import ReplyIn, ReplyOut
from crm_marketing.tracking.urls import Links, links_for
from crm_marketing.web import SettingsDep

router = APIRouter(tags=["tracking"])

# The smallest transparent GIF (1 x 1).
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
UNKNOWN_LINK = problem_responses(404, s404="not a link of ours (forged, altered or unknown)")
_UNSUBSCRIBE_PAGES: dict[int | str, dict[str, Any]] = {
    404: html_doc("Not an unsubscribe link of ours"),
    429: {"description": "Over CRM_RATE_LIMIT_PER_MINUTE pages a minute from one address"},
}


async def get_links(settings: SettingsDep) -> Links:
    return links_for(settings)


LinksDep = Annotated[Links, Depends(get_links)]


@router.get(
    "/v1/t/{token}/open.gif",
    dependencies=[public()],
    response_class=Response,
    responses={200: {"content": {"image/gif": {}}, "description": "A 1x1 pixel"}, **UNKNOWN_LINK},
    summary="The open pixel of an e-mail (public: the signed token is the key)",
    description="The first load records `crm.marketing.message.opened.v1`.",
)
async def open_pixel(token: str, uow: UnitOfWorkDep, links: LinksDep) -> Response:
    await service.opened(uow, links, token)
    await uow.commit()
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


@router.get(
    "/v1/t/{token}/click",
    dependencies=[public()],
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "To the link's target"}, **UNKNOWN_LINK},
    summary="A tracked link: redirects to its target (public: the signed token is the key)",
    description="The target is the one the token signs, so the link cannot be turned into a "
    "redirect elsewhere. The first click records `crm.marketing.message.clicked.v1`.",
)
async def click(token: str, uow: UnitOfWorkDep, links: LinksDep) -> RedirectResponse:
    target = await service.clicked(uow, links, token)
    await uow.commit()
    return RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-store"})


def _form(action: str) -> str:
    return (
        "<p>Stop receiving these messages?</p>\n"
        f'<form method="post" action="{action}">'
        '<p><button type="submit">Unsubscribe</button></p></form>'
    )


@router.get(
    "/v1/unsubscribe/{token}",
    dependencies=[public()],
    response_class=HTMLResponse,
    responses={200: html_doc("The unsubscribe page: one button"), **_UNSUBSCRIBE_PAGES},
    summary="The unsubscribe page of a message (public: the signed token is the key)",
    description="Shows a button that POSTs here; a GET changes nothing, so that a mail "
    "scanner following every link unsubscribes nobody.",
)
async def unsubscribe_page(
    token: str, request: Request, uow: UnitOfWorkDep, settings: SettingsDep, links: LinksDep
) -> HTMLResponse:
    charge_by_address(request, "unsubscribe-page", settings.rate_limit_per_minute)
    try:
        await service.check_unsubscribe_link(uow, links, token)
    except UnknownLinkError:
        return html_page(message_page("Not found", "There is nothing at this address."), 404)
    return html_page(page("Unsubscribe", _form(f"/v1/unsubscribe/{token}")))


@router.post(
    "/v1/unsubscribe/{token}",
    dependencies=[public()],
    response_class=HTMLResponse,
    responses={200: html_doc("Unsubscribed"), **_UNSUBSCRIBE_PAGES},
    summary="Unsubscribe (the page's button, or a mail client's RFC 8058 one-click POST)",
    description="Records `crm.marketing.unsubscribed.v1`; the customer master turns the "
    "channel's consent off within seconds. Any body is accepted (RFC 8058 sends "
    "`List-Unsubscribe=One-Click`); asking twice is harmless.",
)
async def unsubscribe(
    token: str, request: Request, uow: UnitOfWorkDep, settings: SettingsDep, links: LinksDep
) -> HTMLResponse:
    charge_by_address(request, "unsubscribe-page", settings.rate_limit_per_minute)
    body = (await request.body())[:200]
    how = "one-click" if b"List-Unsubscribe=One-Click" in body else "link"
    try:
        done = await service.unsubscribe(uow, links, token, how)
    except UnknownLinkError:
        return html_page(message_page("Not found", "There is nothing at this address."), 404)
    await uow.commit()
    return html_page(
        message_page(
            "Unsubscribed",
            f"You will receive no more marketing messages by {done.channel.value}.",
        )
    )


FORM = "application/x-www-form-urlencoded"
_RESPONSE_PAGES: dict[int | str, dict[str, Any]] = {
    404: html_doc("Not a response link of ours"),
    429: {"description": "Over CRM_RATE_LIMIT_PER_MINUTE pages a minute from one address"},
}
_RESPONSE_FORM: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "comment": {"type": "string", "maxLength": service.MAX_RESPONSE_TEXT}
                    },
                }
            }
        },
    }
}
_NOT_FOUND = ("Not found", "There is nothing at this address.")
_THANKS = ("Thank you", "We have your answer, and will be in touch.")


def _response_form(action: str) -> str:
    return (
        "<p>Interested? Send us your answer, and we will get back to you.</p>\n"
        f'<form method="post" action="{escape(action)}">\n'
        '<p><label for="comment">Anything you would like to tell us (optional)</label><br>'
        f'<textarea id="comment" name="comment" rows="5" '
        f'maxlength="{service.MAX_RESPONSE_TEXT}"></textarea></p>\n'
        '<p><button type="submit">Send my answer</button></p>\n</form>'
    )


@router.get(
    "/v1/respond/{token}",
    dependencies=[public()],
    response_class=HTMLResponse,
    responses={200: html_doc("The response page: a comment and one button"), **_RESPONSE_PAGES},
    summary="The response page of a message (public: the signed token is the key)",
    description="A template's `{{ response_url }}`. Shows a form that POSTs here; a GET "
    "records nothing (a mail scanner following every link answers for nobody).",
)
async def response_page(
    token: str, request: Request, uow: UnitOfWorkDep, settings: SettingsDep, links: LinksDep
) -> HTMLResponse:
    charge_by_address(request, "response-page", settings.rate_limit_per_minute)
    try:
        await service.check_response_link(uow, links, token)
    except UnknownLinkError:
        return html_page(message_page(*_NOT_FOUND), 404)
    return html_page(page("Your answer", _response_form(f"/v1/respond/{token}")))


@router.post(
    "/v1/respond/{token}",
    dependencies=[public()],
    response_class=HTMLResponse,
    openapi_extra=_RESPONSE_FORM,
    responses={200: html_doc("Thank you"), **_RESPONSE_PAGES},
    summary="Answer the campaign through the response page (a form post; public)",
    description="The first answer of a message records `crm.marketing.responded.v1` "
    "(kind `form`; sales opens a lead with the campaign as its source) and keeps the "
    "optional `comment` (its first 4000 characters) with the message, not in the event; "
    "a later one changes nothing. Both answer the thank-you page.",
)
async def respond(
    token: str, request: Request, uow: UnitOfWorkDep, settings: SettingsDep, links: LinksDep
) -> HTMLResponse:
    charge_by_address(request, "response-page", settings.rate_limit_per_minute)
    # Enough for the longest comment kept, each character a UTF-8 sequence percent-encoded.
    body = (await request.body())[: 12 * service.MAX_RESPONSE_TEXT + 100]
    try:
        fields = dict(reversed(parse_qsl(body.decode(errors="replace"), keep_blank_values=True)))
    except ValueError:
        fields = {}
    try:
        await service.answer_form(uow, links, token, fields.get("comment"))
    except UnknownLinkError:
        return html_page(message_page(*_NOT_FOUND), 404)
    await uow.commit()
    return html_page(message_page(*_THANKS))


@router.post(
    "/v1/inbound/replies",
    dependencies=[requires(Permission.CAMPAIGNS_WRITE)],
    response_model=ReplyOut,
    responses=problem_responses(404, s404="not a reply address of ours (forged or altered)"),
    summary="A reply to a campaign's e-mail (the inbound mail provider's webhook)",
    description="`to` is the e-mail's `Reply-To` (`reply+<token>@<CRM_MARKETING_REPLY_DOMAIN>`"
    ", set on every e-mail when that setting is). The first reply to a message records "
    "`crm.marketing.responded.v1` (kind `reply`; sales opens a lead with the campaign as "
    "its source) and keeps the start of `text` with the message; a later one records "
    "nothing (`recorded: false`). Posting it again is harmless.",
)
async def inbound_reply(body: ReplyIn, uow: UnitOfWorkDep, links: LinksDep) -> Response:
    reply = await service.replied(uow, links, body.to, body.text)
    await uow.commit()
    return json_response(ReplyOut(recorded=reply.recorded, campaign_id=reply.campaign_id))

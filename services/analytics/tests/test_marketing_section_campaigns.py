"""The marketing section's campaign figures, counted in sets from the marketing service's
events on the timeline (a merged customer's included, through erasure too), and every
marketing event on the timeline with a readable summary that an erasure scrubs."""

from datetime import datetime

import httpx
from crm_analytics.marketing.service import marketing_sections
from crm_shared.contracts.customer import ConsentChannel
from crm_shared.contracts.marketing import (
    CallTaskRequested,
    MarketingChannel,
    Responded,
    ResponseKind,
    WinbackAction,
    WinbackDecided,
    WinbackStage,
)
from crm_shared.events import IntegrationEvent
from crm_shared.testing import PERSONAL, at, created, erased, merged, uid
from crm_shared.testing.marketing_events import (
    MARKETING_T0,
    message_bounced,
    message_clicked,
    message_delivered,
    message_opened,
    message_sent,
    unsubscribed,
)
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import (
    assert_no_personal_data,
    deliver,
    deliver_run,
    timeline_of,
)

C, ALIAS, QUIET, GONE = uid("c"), uid("alias"), uid("quiet"), uid("gone")
SPRING, WINBACK = "camp-spring", "camp-winback"
SMS = MarketingChannel.SMS


async def sections_of(app: FastAPI, customer_ids: list[str]) -> dict[str, dict[str, object]]:
    async with app.state.runtime.session_factory() as session:
        found = await marketing_sections(session, customer_ids)
    return {key: section.model_dump() for key, section in found.items()}


async def marketing(app: FastAPI, minutes: float, *events: IntegrationEvent) -> None:
    """One run of marketing's events, sent ``minutes`` after T0."""
    await deliver_run(app, list(events), at(minutes))


CAMPAIGN_FIELDS = (
    "campaigns_received", "messages_received", "responses", "opened", "clicked", "bounced",
    "last_touch_at",
)  # fmt: skip


def campaign_figures(section: dict[str, object]) -> dict[str, object]:
    return {field: section[field] for field in CAMPAIGN_FIELDS}


async def test_campaigns_messages_responses_and_the_last_touch(app: FastAPI) -> None:
    await deliver(app, created(C, 1), at(0))
    await deliver(app, created(QUIET, 1), at(0))
    # Spring sale: two steps, two messages; the first opened and clicked twice, once again
    # after a re-open (marketing sends the first of each, a replay may bring one again).
    await marketing(app, 1, message_sent(C, "m1", SPRING), message_delivered(C, "m1", SPRING))
    await marketing(app, 2, message_opened(C, "m1", SPRING), message_clicked(C, "m1", SPRING))
    await marketing(app, 3, message_clicked(C, "m1", SPRING, link="https://shop.example.com/b"))
    await marketing(app, 4, message_sent(C, "m2", SPRING, step=2))
    # Win-back by SMS: bounced.
    await marketing(
        app, 5, message_sent(C, "m3", WINBACK, channel=SMS), message_bounced(C, "m3", WINBACK)
    )

    found = await sections_of(app, [C, QUIET])

    assert campaign_figures(found[C]) == {
        "campaigns_received": 2,
        "messages_received": 3,
        "responses": 1,
        "opened": 1,
        "clicked": 1,
        "bounced": 1,
        "last_touch_at": at(5),
    }
    assert campaign_figures(found[QUIET]) == {
        "campaigns_received": 0,
        "messages_received": 0,
        "responses": 0,
        "opened": 0,
        "clicked": 0,
        "bounced": 0,
        "last_touch_at": None,
    }


async def test_a_replayed_event_counts_once(app: FastAPI) -> None:
    await deliver(app, created(C, 1), at(0))
    sent = await deliver(app, message_sent(C, "m1", SPRING), at(1))

    await deliver(app, message_sent(C, "m1", SPRING), at(1), event_id=sent.id)

    found = await sections_of(app, [C])
    assert (found[C]["campaigns_received"], found[C]["messages_received"]) == (1, 1)


async def test_a_merge_adds_the_duplicates_campaigns_and_erasure_keeps_them(
    app: FastAPI,
) -> None:
    await deliver(app, created(C, 1), at(0))
    await deliver(app, created(ALIAS, 1), at(0))
    await marketing(app, 1, message_sent(C, "m1", SPRING), message_opened(C, "m1", SPRING))
    # Both records got the spring sale (the duplicate was not known yet), the alias also
    # the win-back campaign, and clicked it.
    await marketing(app, 2, message_sent(ALIAS, "m2", SPRING))
    await marketing(app, 3, message_sent(ALIAS, "m3", WINBACK))
    await marketing(app, 4, message_clicked(ALIAS, "m3", WINBACK))
    await deliver(app, merged(C, ALIAS, 2), at(5))

    merged_section = (await sections_of(app, [C]))[C]
    await deliver(app, erased(C, 3), at(6))
    erased_section = (await sections_of(app, [C]))[C]

    expected = {
        "campaigns_received": 2,
        "messages_received": 3,
        "responses": 1,
        "opened": 1,
        "clicked": 1,
        "bounced": 0,
        "last_touch_at": at(3),
    }
    assert campaign_figures(merged_section) == expected
    assert campaign_figures(erased_section) == expected


async def test_every_marketing_event_reads_on_the_timeline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C, 1), at(0))
    events = (
        message_sent(C, "m1", SPRING, step=2, variant="B"),
        message_delivered(C, "m1", SPRING),
        message_opened(C, "m1", SPRING),
        message_clicked(C, "m1", SPRING),
        message_bounced(C, "m2", SPRING, reason="421 4.7.0 try again later", permanent=False),
        message_sent(C, "m3", WINBACK, channel=SMS, campaign_name="Win-back"),
        unsubscribed(C, ConsentChannel.EMAIL, how="one-click"),
    )
    for minute, event in enumerate(events, start=1):
        await marketing(app, minute, event)

    summaries = [entry["summary"] for entry in await timeline_of(client, C)]

    assert summaries[::-1][1:] == [
        'E-mail sent: campaign "Spring sale" (step 2, variant B)',
        "E-mail delivered",
        "E-mail opened",
        "E-mail link clicked: shop.example.com/spring",
        "E-mail bounced (temporary): 421 4.7.0",
        'SMS sent: campaign "Win-back"',
        "Unsubscribed from e-mail through one-click unsubscribe",
    ]


async def test_erasure_scrubs_marketing_events_but_keeps_what_is_counted(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    address = PERSONAL["email"]
    await deliver(app, created(GONE, 1), at(0))
    await marketing(
        app,
        1,
        message_sent(GONE, "m1", SPRING, campaign_name=f"Thanks {PERSONAL['name']}"),
        message_bounced(GONE, "m1", SPRING, reason=f"550 5.1.1 <{address}>: no such user"),
        message_clicked(GONE, "m1", SPRING, link=f"https://shop.example.com/s?email={address}"),
    )

    await deliver(app, erased(GONE, 2), at(2))

    timeline = await timeline_of(client, GONE)
    assert_no_personal_data(timeline)
    by_type = {entry["event_type"]: entry for entry in timeline}
    message = {"customer_id": GONE, "message_id": "m1", "campaign_id": SPRING, "channel": "email"}
    sent = by_type["crm.marketing.message.sent.v1"]
    sent_at = MARKETING_T0.isoformat().replace("+00:00", "Z")
    assert sent["data"] == {**message, "step": 1, "variant": None, "sent_at": sent_at}
    assert sent["summary"] == "E-mail sent"
    bounced = by_type["crm.marketing.message.bounced.v1"]
    assert set(bounced["data"]) == {*message, "permanent", "bounced_at"}
    assert bounced["summary"] == "E-mail bounced (permanent)"  # the code was in the reason
    clicked = by_type["crm.marketing.message.clicked.v1"]
    assert set(clicked["data"]) == {*message, "clicked_at"}
    assert clicked["summary"] == "E-mail link clicked"
    assert isinstance((await sections_of(app, [GONE]))[GONE]["last_touch_at"], datetime)


async def test_responses_call_tasks_and_winback_decisions_read_on_the_timeline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C, 1), at(0))
    events = (
        Responded(
            customer_id=C,
            response_id="r1",
            campaign_id=SPRING,
            campaign_name="Spring sale",
            message_id="m1",
            kind=ResponseKind.CLICK,
            detail="https://shop.example.com/spring?ref=mail",
            responded_at=MARKETING_T0,
        ),
        WinbackDecided(
            customer_id=C,
            stage=WinbackStage.FOLLOW_UP,
            action=WinbackAction.OWNER_CALL,
            reason="follow up: worth 200.00 EUR a year",
            days_inactive=181,
            campaign_id=WINBACK,
            decided_at=MARKETING_T0,
        ),
        CallTaskRequested(
            customer_id=C,
            task_id="t1",
            campaign_id=WINBACK,
            campaign_name="Win-back: owner's call",
            title="Call: Win-back: owner's call",
            script="Ask how we can help",
            due_at=MARKETING_T0,
            requested_at=MARKETING_T0,
        ),
    )
    for minute, event in enumerate(events, start=1):
        await marketing(app, minute, event)
    summaries = [entry["summary"] for entry in await timeline_of(client, C)]
    assert summaries[::-1][1:] == [
        'Responded to campaign "Spring sale": clicked shop.example.com/spring',
        "Win-back after 181 days without a purchase: a call from the owner "
        "(follow up: worth 200.00 EUR a year)",
        "Call task for the owner: Call: Win-back: owner's call",
    ]

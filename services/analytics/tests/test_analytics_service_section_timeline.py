"""Every support event on the unified timeline with a readable summary, a crisis alert on
none; a merge brings the duplicate's service figures to the survivor, and erasure scrubs
the timeline but keeps the figures (they hold no personal data, like the sales section's)."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.contracts.support import (
    Category,
    Channel,
    RecoveryKind,
    TargetName,
    TicketKind,
    TicketStatus,
)
from crm_shared.testing import (
    PERSONAL,
    at,
    created,
    deliveries_of,
    envelope_of,
    erased,
    merged,
    uid,
)
from crm_shared.testing import deliver as deliver_events
from crm_shared.testing.support_fact_events import (
    SUPPORT_T0,
    crisis_raised,
    recovery_recorded,
    sla_at_risk,
    sla_breached,
    sla_met,
    survey_answered,
    ticket,
    ticket_changed,
    ticket_escalated,
    ticket_opened,
)
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import (
    assert_no_personal_data,
    deliver,
    deliver_run,
    handlers_of,
    profile_of,
    timeline_of,
    timeline_row_count,
)

A, B, C1 = uid("a"), uid("b"), uid("c1")
NOW = SUPPORT_T0 + timedelta(days=10)


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


async def summaries_of(client: httpx.AsyncClient, customer_id: str) -> list[str]:
    return [entry["summary"] for entry in await timeline_of(client, customer_id)]


async def service_of(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    section: dict[str, Any] = (await profile_of(client, customer_id))["service"]
    return section


async def test_every_support_event_reads_on_the_timeline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    received = ticket("t-1", C1)
    acknowledged = ticket("t-1", C1, status=TicketStatus.ACKNOWLEDGED, version=2)
    major = ticket("t-1", C1, status=TicketStatus.ACKNOWLEDGED, major=True, version=3)
    inquiry = ticket("t-2", C1, kind=TicketKind.INQUIRY, category=Category.OTHER,
                     channel=Channel.EMAIL)  # fmt: skip
    events = [
        ticket_opened(received),
        ticket_opened(inquiry),
        ticket_changed(acknowledged, TicketStatus.RECEIVED),
        ticket_changed(acknowledged, changed=("handler", "priority")),
        sla_at_risk(received, TargetName.PROPOSAL),
        sla_met(received, TargetName.FIRST_CONTACT),
        sla_breached(major, TargetName.PROPOSAL),
        ticket_escalated(major, "breached_target", "vip"),
        recovery_recorded("r-1", received, "20"),
        recovery_recorded("r-2", received, "12.5", kind=RecoveryKind.REFUND, over_limit=True),
        survey_answered("s-1", received, {"fixed": (4, 5), "friendly": (5, 5), "fast": (4, None)}),
    ]
    await deliver_run(app, events, NOW)

    assert set((await summaries_of(client, C1))[:-1]) == {
        "Complaint received (billing, by phone)",
        "Inquiry received (other, by e-mail)",
        "Ticket acknowledged",
        "Ticket changed: handler, priority",
        "Proposal target at risk",
        "First contact target met",
        "Proposal target breached",
        "Major complaint escalated: breached target, vip",
        "Goodwill: voucher 20.00 EUR",
        "Compensation: refund 12.50 EUR (over the limit)",
        "Survey answered: mean 4.3",
    }
    entry = (await timeline_of(client, C1))[0]
    assert (entry["source_service"], entry["subject_id"]) == ("support", C1)


async def test_a_crisis_alert_is_on_no_timeline(app: FastAPI, client: httpx.AsyncClient) -> None:
    await deliver(app, created(C1, 1), at(0))
    before = await timeline_row_count(app)

    await deliver_run(app, [crisis_raised("alert-1", ["t-1", "t-2"])], NOW)

    assert await timeline_row_count(app) == before


async def test_a_merged_customers_service_figures_count_for_the_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1), at(0))
    await deliver(app, created(B, 1), at(1))
    on_a, on_b = ticket("t-a", A), ticket("t-b", B, received_at=SUPPORT_T0 + timedelta(1))
    await deliver_run(app, [ticket_opened(on_a), sla_breached(on_a, TargetName.PROPOSAL)], NOW)
    await deliver_run(
        app,
        [
            ticket_opened(on_b),
            recovery_recorded("r-b", on_b, "20"),
            survey_answered("s-b", on_b, {"fixed": (5, 5)}),
        ],
        NOW,
    )
    await deliver(app, merged(B, A, 2), at(4))
    # Published about the alias after the merge: counts all the same, on the survivor.
    resolved = ticket("t-a", A, status=TicketStatus.RESOLVED, version=4)
    await deliver_run(app, [ticket_changed(resolved, TicketStatus.ACCEPTED)], NOW)

    for asked in (A, B):
        section = await service_of(client, asked)
        assert (section["tickets_open"], section["tickets_total"], section["breaches"]) == (1, 2, 1)
        assert section["recovery_cost_by_currency"] == {"EUR": "20.00"}
        assert section["last_survey"]["survey_id"] == "s-b"
    assert "Ticket resolved" in await summaries_of(client, B)


async def test_erasure_scrubs_the_timeline_and_keeps_the_figures(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    complaint = ticket("t-1", C1)
    # A field a newer producer might add, with a name in it: not on the allow-list.
    opened = envelope_of(ticket_opened(complaint), "crm/support", time=NOW)
    data = {**opened.data, "ticket": {**opened.data["ticket"], "story": PERSONAL["name"]}}
    await deliver_events(
        app.state.runtime.unit_of_work,
        handlers_of(app),
        deliveries_of(opened.model_copy(update={"data": data})),
    )
    await deliver_run(
        app,
        [
            recovery_recorded("r-1", complaint, "20"),
            survey_answered("s-1", complaint, {"x": (4, 5)}),
        ],
        NOW,
    )

    await deliver(app, erased(C1, 2), at(10))

    timeline = await timeline_of(client, C1)
    assert_no_personal_data(timeline)
    by_type = {entry["event_type"].split(".", 2)[2]: entry for entry in timeline}
    assert by_type["ticket_opened.v1"]["summary"] == "Complaint received (billing, by phone)"
    assert by_type["ticket_opened.v1"]["data"]["ticket"] == complaint.model_dump(mode="json")
    assert by_type["recovery_recorded.v1"]["summary"] == "Goodwill: voucher 20.00 EUR"
    assert by_type["survey_answered.v1"]["summary"] == "Survey answered: mean 4.0"
    section = await service_of(client, C1)
    assert (section["tickets_total"], section["surveys"]) == (1, 1)

    # Later events reach no timeline of an erased customer; its figures still count.
    await deliver_run(app, [ticket_opened(ticket("t-2", C1))], NOW)
    assert len(await timeline_of(client, C1)) == len(timeline)
    assert (await service_of(client, C1))["tickets_total"] == 2

"""The profile's service section, on a real database: tickets projected with version guards,
breaches counted once per ticket and target, recovery cost per currency, the last survey."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.contracts.support import (
    RecoveryKind,
    TargetName,
    TicketKind,
    TicketStatus,
)
from crm_shared.testing import at, created, uid
from crm_shared.testing.support_fact_events import (
    SUPPORT_T0,
    recovery_recorded,
    sla_breached,
    survey_answered,
    ticket,
    ticket_changed,
    ticket_escalated,
    ticket_opened,
)
from fastapi import FastAPI
from sqlalchemy import event

from services.analytics.tests.analytics_harness import deliver, deliver_run, profile_of

C1 = uid("c1")
NOW = SUPPORT_T0 + timedelta(days=10)


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


async def service_of(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    section: dict[str, Any] = (await profile_of(client, customer_id))["service"]
    return section


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def test_a_ticket_opened_then_resolved_is_counted_but_not_open(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    received = ticket("t-1", C1)
    resolved = ticket("t-1", C1, status=TicketStatus.RESOLVED, version=5)
    await deliver_run(app, [ticket_opened(received)], NOW)
    assert (await service_of(client, C1))["tickets_open"] == 1

    await deliver_run(app, [ticket_changed(resolved, TicketStatus.ACCEPTED)], NOW)

    section = await service_of(client, C1)
    assert (section["tickets_open"], section["tickets_total"], section["complaints"]) == (0, 1, 1)
    assert section["last_ticket_at"] == iso(SUPPORT_T0)


async def test_late_and_replayed_changes_change_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    opened = ticket_opened(ticket("t-1", C1))
    acknowledged = ticket_changed(
        ticket("t-1", C1, status=TicketStatus.ACKNOWLEDGED, version=2), TicketStatus.RECEIVED
    )
    closed = ticket_changed(
        ticket("t-1", C1, status=TicketStatus.CLOSED, version=9), TicketStatus.FOLLOW_UP_DONE
    )
    reopened = ticket_changed(
        ticket("t-1", C1, status=TicketStatus.REOPENED, version=10), TicketStatus.CLOSED
    )
    # The closing change arrives first, the earlier ones after it, one of them twice.
    await deliver_run(app, [closed], NOW)
    await deliver_run(app, [acknowledged, opened, acknowledged], NOW)
    await deliver_run(app, [opened], NOW)

    section = await service_of(client, C1)
    assert (section["tickets_open"], section["tickets_total"]) == (0, 1)

    # Within one run the newest state wins whatever the order.
    await deliver_run(app, [reopened, closed, acknowledged], NOW)
    section = await service_of(client, C1)
    assert (section["tickets_open"], section["tickets_total"]) == (1, 1)


async def test_kinds_and_major_complaints_are_counted_apart(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    complaint = ticket("t-1", C1)
    major = ticket("t-1", C1, status=TicketStatus.INVESTIGATING, major=True, version=3)
    inquiry = ticket("t-2", C1, kind=TicketKind.INQUIRY, received_at=SUPPORT_T0 + timedelta(1))
    await deliver_run(
        app,
        [ticket_opened(complaint), ticket_opened(inquiry), ticket_escalated(major, "vip")],
        NOW,
    )

    section = await service_of(client, C1)
    assert section["tickets_total"] == 2
    assert (section["complaints"], section["major_complaints"]) == (1, 1)
    assert section["last_ticket_at"] == iso(SUPPORT_T0 + timedelta(days=1))


async def test_a_breach_is_counted_once_per_ticket_and_target(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    first = ticket("t-1", C1, major=True, version=2)
    other = ticket("t-2", C1, major=True, version=2)
    breach = sla_breached(first, TargetName.FIRST_CONTACT)
    [sent] = await deliver_run(app, [breach], NOW)
    await deliver(app, breach, NOW, event_id=sent.id)  # redelivered: the inbox drops it
    await deliver_run(app, [breach, breach], NOW)  # published again: the key drops it
    await deliver_run(
        app,
        [sla_breached(first, TargetName.PROPOSAL), sla_breached(other, TargetName.FIRST_CONTACT)],
        NOW,
    )

    section = await service_of(client, C1)
    assert section["breaches"] == 3
    # A breach carries its ticket: it counts even before the ticket's own events arrive.
    assert (section["tickets_total"], section["major_complaints"]) == (2, 2)


async def test_recovery_cost_is_totalled_per_currency_once_each(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    complaint = ticket("t-1", C1)
    voucher = recovery_recorded("r-1", complaint, "20")
    await deliver_run(
        app,
        [
            voucher,
            recovery_recorded("r-2", complaint, "15.50", kind=RecoveryKind.REFUND),
            recovery_recorded("r-3", complaint, "30", currency="USD"),
        ],
        NOW,
    )
    await deliver_run(app, [voucher], NOW)

    section = await service_of(client, C1)
    assert section["recovery_cost_by_currency"] == {"EUR": "35.50", "USD": "30.00"}


async def test_the_last_survey_gives_its_scores_and_satisfaction(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    complaint = ticket("t-1", C1)
    earlier = survey_answered("s-1", complaint, {"fixed": (2, 4)}, SUPPORT_T0 + timedelta(1))
    latest = survey_answered(
        "s-2",
        complaint,
        {"fixed": (4, 5), "friendly": (5, 4), "on time": (3, None)},
        SUPPORT_T0 + timedelta(days=3),
    )
    await deliver_run(app, [latest, earlier], NOW)
    await deliver_run(app, [latest], NOW)

    section = await service_of(client, C1)
    assert section["surveys"] == 2
    assert section["mean_score"] == 3.0  # the mean of 2 and 4
    assert section["last_survey"] == {
        "survey_id": "s-2",
        "ticket_id": "t-1",
        "answered_at": iso(SUPPORT_T0 + timedelta(days=3)),
        "mean_score": 4.0,
        "satisfaction": 1.03,  # (0.8 + 1.25) / 2
        "items": [
            {"item": "fixed", "score": 4, "expected": 5, "satisfaction": 0.8},
            {"item": "friendly", "score": 5, "expected": 4, "satisfaction": 1.25},
            {"item": "on time", "score": 3, "expected": None, "satisfaction": None},
        ],
    }


async def test_a_big_run_projects_in_a_few_statements(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    customers = [uid(f"k{n}") for n in range(100)]
    events = []
    for n in range(500):
        snapshot = ticket(
            f"t-{n}", customers[n % 100], received_at=datetime(2026, 12, 1, tzinfo=UTC)
        )
        events += [
            ticket_opened(snapshot),
            sla_breached(snapshot, TargetName.FIRST_CONTACT),
            recovery_recorded(f"r-{n}", snapshot, "1"),
            survey_answered(f"s-{n}", snapshot, {"fixed": (5, 5)}),
        ]
    statements: list[str] = []
    engine = app.state.runtime.engine.sync_engine

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        await deliver_run(app, events, NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert len(statements) < 50, statements
    await deliver(app, created(customers[7], 1), at(0))
    section = await service_of(client, customers[7])
    assert (section["tickets_total"], section["breaches"], section["surveys"]) == (5, 5, 5)
    assert section["recovery_cost_by_currency"] == {"EUR": "5.00"}

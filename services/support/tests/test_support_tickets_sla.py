"""The 2-1-2-3 targets on durable timers: breach (once), at risk, pause and resume,
re-plan on a new priority, promises, follow-up, group complaints."""

from datetime import UTC, datetime, timedelta

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import outbox_events
from crm_shared.testing.auth import as_subject
from crm_support.sla import targets
from crm_support.tickets import service
from crm_support.tickets.repository import TicketRepository
from fastapi import FastAPI

from services.support.tests.support_builders import (
    CUSTOMER,
    moved,
    open_ticket,
    pass_time,
    read,
    seed_customer,
    seed_team,
    target_of,
)


async def test_a_breached_target_makes_the_complaint_major_once(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    await seed_team(support_app, "team-1", "boss-1", "agent-1")
    ticket = await open_ticket(support_client)
    await pass_time(support_app, clock, timedelta(hours=2, seconds=1))
    [breach] = await outbox_events(support_app, "sla.breached")
    assert breach.key == CUSTOMER
    assert breach.payload.target == "first_contact"
    assert breach.payload.due_at == datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    assert breach.payload.owner == "agent-1"
    assert breach.payload.ticket.major is True
    after = await read(support_client, ticket["id"])
    assert after["major"] is True
    assert after["major_reasons"] == ["breached:first_contact"]
    assert (after["manager"], after["senior"]) == ("boss-1", "senior-management")
    first = target_of(after, "first_contact")
    assert first["state"] == "breached"
    assert first["breached_at"] == "2026-12-07T11:00:01Z"
    # major_reply counts from receipt: due two days after it
    assert target_of(after, "major_reply")["due_at"] == "2026-12-09T09:00:00Z"
    assert [e.payload.reasons for e in await outbox_events(support_app, "ticket_escalated")] == [
        ["breached:first_contact"]
    ]
    assert [e["kind"] for e in after["history"]][-2:] == ["target_breached", "escalation"]
    events = len(await outbox_events(support_app))
    await pass_time(support_app, clock, timedelta(minutes=1))
    assert len(await outbox_events(support_app)) == events
    # met late, it stays breached
    late = await moved(support_client, ticket["id"], "acknowledged")
    assert target_of(late, "first_contact")["state"] == "breached"
    assert target_of(late, "first_contact")["met_at"] == "2026-12-07T11:01:01Z"


async def test_an_inquiry_that_misses_a_target_escalates_without_turning_major(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    await seed_team(support_app, "team-1", "boss-1", "agent-1")
    ticket = await open_ticket(support_client, kind="inquiry", category="other")
    await pass_time(support_app, clock, timedelta(hours=2, seconds=1))
    [breach] = await outbox_events(support_app, "sla.breached")
    assert breach.payload.target == "first_contact"
    after = await read(support_client, ticket["id"])
    assert (after["major"], after["manager"], after["senior"]) == (False, "boss-1", None)
    assert target_of(after, "first_contact")["state"] == "breached"
    [escalated] = await outbox_events(support_app, "ticket_escalated")
    assert escalated.payload.reasons == ["breached:first_contact"]


async def test_an_early_firing_timer_does_nothing_and_fires_again_on_time(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    await support_app.state.runtime.timers.fire_due(clock.now() + timedelta(hours=3))
    assert await outbox_events(support_app, "sla.breached") == []
    assert target_of(await read(support_client, ticket["id"]), "first_contact")["state"] == (
        "running"
    )
    await pass_time(support_app, clock, timedelta(hours=2))
    assert len(await outbox_events(support_app, "sla.breached")) == 1


async def test_the_breach_guard_leaves_met_paused_and_unknown_targets_alone(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    await moved(support_client, ticket["id"], "acknowledged", "waiting_on_customer")
    clock.advance(days=5)
    settings = support_app.state.runtime.settings
    async with support_app.state.runtime.unit_of_work() as uow:
        found = await TicketRepository(uow.session).get(ticket["id"])
        assert found is not None
        for name in ("first_contact", "proposal", "follow_up", "nonsense"):
            assert await targets.breach(uow, found, name, settings) is None
        await uow.commit()
    after = await read(support_client, ticket["id"])
    assert {t["target"]: t["state"] for t in after["targets"]} == {
        "first_contact": "met",
        "proposal": "paused",
    }


async def test_waiting_on_the_customer_pauses_the_targets(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    clock.advance(minutes=30)
    waiting = await moved(support_client, ticket["id"], "waiting_on_customer")
    assert waiting["resume_status"] == "received"
    first = target_of(waiting, "first_contact")
    assert (first["state"], first["due_at"], first["remaining_seconds"]) == ("paused", None, 5400)
    await pass_time(support_app, clock, timedelta(hours=3))
    assert await outbox_events(support_app, "sla.breached") == []
    back = await moved(support_client, ticket["id"], "received")
    assert back["resume_status"] is None
    assert target_of(back, "first_contact")["state"] == "running"
    assert target_of(back, "first_contact")["due_at"] == "2026-12-07T14:00:00Z"  # 11:00 + 3 h
    assert target_of(back, "proposal")["due_at"] == "2026-12-08T12:00:00Z"
    await pass_time(support_app, clock, timedelta(minutes=89))
    assert await outbox_events(support_app, "sla.breached") == []
    await pass_time(support_app, clock, timedelta(minutes=1))
    assert len(await outbox_events(support_app, "sla.breached")) == 1


async def test_a_new_priority_re_plans_keeping_the_time_spent(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    url = f"/v1/tickets/{ticket['id']}"
    clock.advance(hours=1)
    low = await support_client.patch(url, json={"priority": "low"}, headers={"If-Match": '"1"'})
    assert low.status_code == 200, low.text
    assert target_of(low.json(), "first_contact")["due_at"] == "2026-12-07T13:00:00Z"
    assert target_of(low.json(), "proposal")["due_at"] == "2026-12-09T09:00:00Z"
    urgent = await support_client.patch(
        url, json={"priority": "urgent"}, headers={"If-Match": low.headers["ETag"]}
    )
    # 30 minutes allowed, one hour spent: due now, and its timer fires at once
    assert target_of(urgent.json(), "first_contact")["due_at"] == "2026-12-07T10:00:00Z"
    assert target_of(urgent.json(), "proposal")["due_at"] == "2026-12-07T15:00:00Z"
    await pass_time(support_app, clock, timedelta(0))
    [breach] = await outbox_events(support_app, "sla.breached")
    assert breach.payload.target == "first_contact"
    changed = await outbox_events(support_app, "ticket_changed")
    assert "priority" in changed[0].payload.changed_fields


async def test_a_target_past_its_warning_point_is_at_risk_and_says_so_once(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    await pass_time(support_app, clock, timedelta(minutes=95))
    assert target_of(await read(support_client, ticket["id"]), "first_contact")["state"] == (
        "running"
    )
    assert await outbox_events(support_app, "sla.at_risk") == []
    await pass_time(support_app, clock, timedelta(minutes=1))  # 96 minutes: 80 % of 2 h
    first = target_of(await read(support_client, ticket["id"]), "first_contact")
    assert first["state"] == "at_risk"
    [warning] = await outbox_events(support_app, "sla.at_risk")
    assert warning.payload.target == "first_contact"
    assert warning.payload.due_at == datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    await moved(support_client, ticket["id"], "waiting_on_customer", "received")
    await pass_time(support_app, clock, timedelta(minutes=1))
    assert len(await outbox_events(support_app, "sla.at_risk")) == 1


async def test_a_promised_reply_is_a_target_met_by_the_next_contact(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    url = f"/v1/tickets/{ticket['id']}"
    past = await support_client.post(f"{url}/promises", json={"reply_by": "2026-12-07T08:00:00Z"})
    assert past.status_code == 422
    response = await support_client.post(
        f"{url}/promises", json={"reply_by": "2026-12-07T15:00:00Z"}
    )
    assert response.status_code == 200, response.text
    promised = target_of(response.json(), "promised_reply")
    assert (promised["state"], promised["due_at"]) == ("running", "2026-12-07T15:00:00Z")
    later = await support_client.post(f"{url}/promises", json={"reply_by": "2026-12-07T16:00:00Z"})
    assert target_of(later.json(), "promised_reply")["due_at"] == "2026-12-07T16:00:00Z"
    contact = await support_client.post(
        f"{url}/contacts", json={"direction": "outbound", "channel": "email", "summary": "done"}
    )
    assert target_of(contact.json(), "promised_reply")["state"] == "met"
    await pass_time(support_app, clock, timedelta(hours=8))
    breached = [e.payload.target for e in await outbox_events(support_app, "sla.breached")]
    assert "promised_reply" not in breached


async def test_senior_management_replies_to_a_major_complaint(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app, tags=["vip"])
    ticket = await open_ticket(support_client)
    url = f"/v1/tickets/{ticket['id']}/contacts"
    body = {"direction": "outbound", "channel": "letter", "summary": "our apologies"}
    agent = await support_client.post(url, json=body, headers=as_subject("agent-9", "support"))
    assert target_of(agent.json(), "major_reply")["state"] == "running"
    senior = await support_client.post(
        url, json=body, headers=as_subject("senior-management", "support")
    )
    assert target_of(senior.json(), "major_reply")["state"] == "met"


async def test_the_follow_up_is_a_target_from_resolution_and_a_reopen_cancels_it(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client)
    path = ["acknowledged", "investigating", "responsibility_determined", "resolution_proposed"]
    proposed = await moved(support_client, ticket["id"], *path)
    assert target_of(proposed, "proposal")["state"] == "met"
    clock.advance(hours=1)
    resolved = await moved(support_client, ticket["id"], "accepted", "resolved")
    assert target_of(resolved, "follow_up")["due_at"] == "2026-12-10T10:00:00Z"
    reopened = await moved(support_client, ticket["id"], "reopened")
    assert (reopened["reopened"], target_of(reopened, "follow_up")["state"]) == (1, "cancelled")
    again = await moved(support_client, ticket["id"], "investigating", "responsibility_determined")
    assert again["status"] == "responsibility_determined"


async def test_a_dissatisfied_follow_up_opens_a_new_complaint(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    ticket = await open_ticket(support_client, channel="email")
    path = ["acknowledged", "investigating", "responsibility_determined"]
    await moved(support_client, ticket["id"], *path, "resolution_proposed", "accepted", "resolved")
    async with support_app.state.runtime.unit_of_work() as uow:
        settings = support_app.state.runtime.settings
        new = await service.follow_up_recorded(
            uow, ticket["id"], actor="agent-1", dissatisfied=True, settings=settings
        )
        await uow.commit()
    assert new is not None
    followed = await read(support_client, ticket["id"])
    assert followed["status"] == "follow_up_done"
    assert target_of(followed, "follow_up")["state"] == "met"
    opened = await read(support_client, new.id)
    assert (opened["kind"], opened["category"], opened["channel"], opened["owner"]) == (
        "complaint",
        "service_quality",
        "email",
        "agent-1",
    )
    assert opened["description"] == (
        f"follow-up of ticket {ticket['id']}: the customer is not satisfied"
    )


async def test_a_group_complaint_raises_one_crisis_alert(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await seed_customer(support_app)
    tickets = [await open_ticket(support_client, cause="design") for _ in range(4)]
    assert await outbox_events(support_app, "crisis_raised") == []
    tickets.append(await open_ticket(support_client, cause="design"))
    await open_ticket(support_client, cause="design")
    [crisis] = await outbox_events(support_app, "crisis_raised")
    assert crisis.payload.about == "cause:design"
    assert crisis.payload.count == 5
    assert set(crisis.payload.ticket_ids) == {t["id"] for t in tickets}

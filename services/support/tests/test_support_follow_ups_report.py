"""The follow-up calls per staff member, and what a merge or an erasure does to visits and
calls."""

from datetime import timedelta

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import assert_problem, deliver, deliveries_of, erased, merged, uid
from crm_support.follow_ups.models import FollowUpCall, Visit
from crm_support.follow_ups.rules import CallFacts, tally
from crm_support.handlers import handlers
from fastapi import FastAPI
from sqlalchemy import select

from services.support.tests.support_builders import (
    CUSTOMER,
    START,
    call_outcome,
    follow_up_calls,
    record_visit,
    seed_customer,
)

SECRET = "Zebedee Quixote-Marchbanks"


async def test_the_report_counts_each_owners_calls_due_in_the_period(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    for staff in ("tech-1", "tech-1", "tech-1", "tech-2"):
        await record_visit(support_client, staff=staff)  # all due Thursday 2026-12-10
    calls = await follow_up_calls(support_client, owner="tech-1")
    clock.advance(timedelta(days=1))
    await call_outcome(support_client, calls[0]["id"], problem_fixed=False, lead_spotted=True)
    clock.advance(timedelta(days=3))  # past due
    await call_outcome(support_client, calls[1]["id"], satisfied=False)

    response = await support_client.get("/v1/reports/follow-ups", params={"period": "2026-W50"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period"] == "2026-W50"
    assert report["owners"] == [
        {
            "owner": "tech-1",
            "due": 3,
            "done": 2,
            "on_time": 1,
            "overdue": 1,
            "problem_not_fixed": 1,
            "dissatisfied": 1,
            "leads_spotted": 1,
        },
        {
            "owner": "tech-2",
            "due": 1,
            "done": 0,
            "on_time": 0,
            "overdue": 1,
            "problem_not_fixed": 0,
            "dissatisfied": 0,
            "leads_spotted": 0,
        },
    ]
    other_week = await support_client.get("/v1/reports/follow-ups", params={"period": "2026-W49"})
    assert other_week.json()["owners"] == []
    assert_problem(await support_client.get("/v1/reports/follow-ups?period=2026-13"), 422)


def test_a_call_not_yet_due_is_neither_overdue_nor_done() -> None:
    due = START + timedelta(days=3)
    facts = CallFacts("tech-1", "open", due, None, None, None, False)
    [row] = tally([facts], START)
    assert (row.due, row.done, row.on_time, row.overdue) == (1, 0, 0, 0)


async def _rows(
    app: FastAPI, model: type[Visit] | type[FollowUpCall]
) -> list[Visit | FollowUpCall]:
    async with app.state.runtime.session_factory() as session:
        return list(await session.scalars(select(model)))


async def test_a_merge_moves_visits_and_calls_and_an_erasure_scrubs_their_notes(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    dup, other = uid("dup"), uid("other")
    for customer in (dup, CUSTOMER, other):
        await seed_customer(support_app, customer)
    await record_visit(support_client, customer_id=dup, notes=f"{SECRET} brought it in")
    [call] = await follow_up_calls(support_client)
    await call_outcome(support_client, call["id"], note=f"{SECRET} is happy")
    await record_visit(support_client, customer_id=other, notes=f"{SECRET}'s neighbour")

    unit = support_app.state.runtime.unit_of_work
    await deliver(unit, handlers, deliveries_of(merged(CUSTOMER, dup, 2)))
    visits = await _rows(support_app, Visit)
    assert sorted(v.customer_id for v in visits) == sorted([CUSTOMER, other])
    calls = await _rows(support_app, FollowUpCall)
    assert sorted(c.customer_id for c in calls) == sorted([CUSTOMER, other])

    await deliver(unit, handlers, deliveries_of(erased(CUSTOMER, 2)))
    notes = {v.customer_id: v.notes for v in await _rows(support_app, Visit)}
    assert notes == {CUSTOMER: None, other: f"{SECRET}'s neighbour"}
    call_notes = {c.customer_id: c.note for c in await _rows(support_app, FollowUpCall)}
    assert call_notes[CUSTOMER] is None
    [erased_call] = [c for c in await _rows(support_app, FollowUpCall) if c.customer_id == CUSTOMER]
    assert erased_call.state == "done"  # the record (and the report's counts) stays

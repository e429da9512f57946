"""Targets on a business calendar: Monday to Friday 08:00-18:00, with a holiday."""

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from crm_shared.clock import FakeClock
from crm_support.settings import SupportSettings
from fastapi import FastAPI

from services.support.tests.support_builders import open_ticket, seed_customer, target_of

FRIDAY_LATE = datetime(2026, 12, 11, 17, 30, tzinfo=UTC)
HOLIDAY = date(2026, 12, 14)  # the Monday after


@pytest.fixture
def support_settings(support_database_url: str, tmp_path: Path) -> SupportSettings:
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    return SupportSettings(
        database_url=support_database_url,
        data_dir=tmp_path,
        sla_working_hours=dict.fromkeys(weekdays, "08:00-18:00"),
        sla_holidays=[HOLIDAY],
    )


async def test_targets_fall_due_in_business_time_across_a_weekend_and_a_holiday(
    support_app: FastAPI, support_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await seed_customer(support_app)
    clock.set(FRIDAY_LATE)
    ticket = await open_ticket(support_client)
    # 30 minutes on Friday, the rest on Tuesday (Monday is a holiday)
    assert target_of(ticket, "first_contact")["due_at"] == "2026-12-15T09:30:00Z"
    # a day of 24 business hours: 0.5 h Friday, 10 h Tuesday, 10 h Wednesday, 3.5 h Thursday
    assert target_of(ticket, "proposal")["due_at"] == "2026-12-17T11:30:00Z"
    clock.set(datetime(2026, 12, 14, 12, 0, tzinfo=UTC))
    await support_app.state.runtime.timers.fire_due()
    read = await support_client.get(f"/v1/tickets/{ticket['id']}")
    first = target_of(read.json(), "first_contact")
    assert (first["state"], first["remaining_seconds"]) == ("running", 5400)

"""The lead import of a 5,000-row file through the API: every row in (spanning chunks),
routed, matched and scored, one LeadCreated per lead, and the same file again all skipped."""

import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from crm_sales.handlers import handlers
from crm_sales.leads.models import Lead
from crm_sales.settings import SalesSettings
from crm_shared.testing import created, deliver, deliveries_of, outbox_events, uid
from fastapi import FastAPI
from sqlalchemy import func, select

from services.sales.tests.sales_builders_lead_imports import import_leads

ROWS = 5_000
CUSTOMERS = 500  # the first rows' e-mails are these customers'
REPS = ["r1", "r2", "r3", "r4"]


@pytest.fixture
def sales_settings(sales_database_url: str, tmp_path: Path) -> SalesSettings:
    return SalesSettings(
        database_url=sales_database_url,
        data_dir=tmp_path,
        rate_limit_enabled=False,
        lead_import_chunk_rows=2_000,
        routing_round_robin=REPS,
    )


def leads_file(rows: int) -> bytes:
    lines = ["name,company,email,phone,industry,region,role,company_size,source,external_id"]
    for i in range(rows):
        phone = f"+1 415 555 {i % 10_000:04d}" if i % 2 else ""
        lines.append(
            f"Lead {i},Company {i % 700},lead{i}@example.org,{phone},Software,Europe,"
            f"{'CFO' if i % 3 == 0 else 'Analyst'},{10 + i % 900},referral,FAIR-{i}"
        )
    return ("\n".join(lines) + "\n").encode()


async def stored(app: FastAPI, column: Any) -> Counter[Any]:
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(select(column, func.count()).group_by(column))
        return Counter({key: int(n) for key, n in rows.all()})


async def test_a_5000_row_file_is_imported_whole_and_again_skipped(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    events = [created(uid(f"c{i}"), 1, email=f"LEAD{i}@example.org") for i in range(CUSTOMERS)]
    await deliver(
        sales_app.state.runtime.unit_of_work, handlers, deliveries_of(*events), one_run=True
    )
    content = leads_file(ROWS)
    started = time.perf_counter()
    summary = await import_leads(sales_client, content)
    seconds = time.perf_counter() - started
    assert summary == {"imported": ROWS, "skipped": 0, "errors": []}
    print(f"\n{ROWS} leads imported in {seconds:.1f} s ({ROWS / seconds:,.0f} rows/s)")
    owners = await stored(sales_app, Lead.owner)
    assert owners == Counter(dict.fromkeys(REPS, ROWS // len(REPS)))  # the round robin's turn
    matched = await stored(sales_app, Lead.customer_id)
    assert sum(n for customer, n in matched.items() if customer is not None) == CUSTOMERS
    scores = await stored(sales_app, Lead.score)
    assert sum(scores.values()) == ROWS
    assert min(scores) > 0  # referral, Software and Europe at least
    assert len(await outbox_events(sales_app, "lead_created")) == ROWS
    again = await import_leads(sales_client, content)
    assert again == {"imported": 0, "skipped": ROWS, "errors": []}
    assert len(await outbox_events(sales_app, "lead_created")) == ROWS

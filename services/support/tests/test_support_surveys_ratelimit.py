"""The public survey pages have no token to count by: they are limited per address."""

from pathlib import Path

import httpx
import pytest
from crm_support.settings import SupportSettings
from fastapi import FastAPI

from services.support.tests.support_builders import insert_ticket


@pytest.fixture
def support_settings(support_database_url: str, tmp_path: Path) -> SupportSettings:
    return SupportSettings(
        database_url=support_database_url, data_dir=tmp_path, rate_limit_per_minute=3
    )


async def test_an_address_over_the_limit_is_told_to_wait(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    ticket_id = await insert_ticket(support_app)
    link = await support_client.post(f"/v1/tickets/{ticket_id}/survey-link")
    path = httpx.URL(link.json()["url"]).path
    public = httpx.AsyncClient(transport=support_client._transport, base_url="http://support")
    statuses = [(await public.get(path)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = await public.get(path)
    assert "retry-after" in refused.headers

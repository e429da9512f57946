"""The stages' probabilities and the forecast's committed stage are settings: a deployment
that changes them gets them on new opportunities, stage moves and the forecast."""

from pathlib import Path

import httpx
import pytest
from crm_sales.settings import SalesSettings
from crm_shared.contracts.sales import OpportunityStage
from fastapi import FastAPI

from services.sales.tests.sales_builders_pipeline import (
    CUSTOMER,
    know_customers,
    move,
    open_opportunity,
)


@pytest.fixture
def sales_settings(sales_database_url: str, tmp_path: Path) -> SalesSettings:
    return SalesSettings(
        database_url=sales_database_url,
        data_dir=tmp_path,
        default_currency="usd",
        stage_probabilities={OpportunityStage.CONTACT: 0.05, OpportunityStage.QUOTE: 0.5},
        forecast_committed_from=OpportunityStage.QUOTE,
    )


async def test_a_deployments_probabilities_and_committed_stage(
    sales_client: httpx.AsyncClient, sales_app: FastAPI
) -> None:
    await know_customers(sales_app, (CUSTOMER, None))
    opened = await open_opportunity(sales_client, expected_close_date="2026-12-01")
    assert (opened["probability"], opened["weighted_amount"], opened["currency"]) == (
        0.05,
        "50.00",
        "USD",
    )
    quoted = await move(sales_client, opened["id"], stage="quote")
    assert (quoted["probability"], quoted["weighted_amount"]) == (0.5, "500.00")
    forecast = await sales_client.get("/v1/forecast", params={"period": "2026-12"})
    assert forecast.json()["committed_from"] == "quote"
    assert forecast.json()["total"]["committed"] == "1000.00"
    assert forecast.json()["currency"] == "USD"

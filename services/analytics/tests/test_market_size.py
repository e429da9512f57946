"""POST /v1/tools/market-size: population x purchasing power x motivation, checked by
hand, the formula echoed, and bounded inputs answered with 422 problems."""

from typing import Any

import httpx
import pytest
from crm_shared.testing.problems import assert_problem

VALID: dict[str, Any] = {
    "population": 1_000_000,
    "purchasing_power_share": 0.3,
    "motivation_share": 0.2,
}


async def test_potential_customers_and_the_yearly_value(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/tools/market-size", json={**VALID, "average_annual_spend": "250.00"}
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "potential_customers": 60_000,
        "annual_value": "15000000.00",
        "formula": "potential customers = population * purchasing power share * motivation "
        "share = 1000000 * 0.3 * 0.2 = 60000; annual value = 60000 * 250.00 = 15000000.00",
    }


async def test_without_a_spend_only_the_customers(client: httpx.AsyncClient) -> None:
    body = {"population": 7, "purchasing_power_share": 0.5, "motivation_share": 1}

    response = await client.post("/v1/tools/market-size", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["potential_customers"] == 4  # 3.5 rounds half to even
    assert response.json()["annual_value"] is None


@pytest.mark.parametrize(
    "change",
    [
        {"population": -1},
        {"population": 10_000_000_001},
        {"purchasing_power_share": 1.5},
        {"motivation_share": -0.1},
        {"motivation_share": True},  # not a number, however lax JSON readers are
        {"population": "10"},
        {"average_annual_spend": 250},  # money is a decimal string
        {"average_annual_spend": "-5.00"},
        {"average_annual_spend": "1" * 13},
        {"surprise": 1},
    ],
)
async def test_out_of_bounds_inputs_are_422_problems(
    client: httpx.AsyncClient, change: dict[str, Any]
) -> None:
    response = await client.post("/v1/tools/market-size", json={**VALID, **change})

    assert_problem(response, 422)


async def test_a_missing_field_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/tools/market-size", json={"population": 10})

    assert_problem(response, 422)

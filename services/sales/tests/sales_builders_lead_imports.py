"""Builders the lead import tests share: a CSV file from its lines, the import request, and
the leads as the API lists them."""

from typing import Any

import httpx

IMPORT_URL = "/v1/leads/import"


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


async def post_csv(client: httpx.AsyncClient, content: bytes, **headers: str) -> httpx.Response:
    return await client.post(
        IMPORT_URL, content=content, headers={"content-type": "text/csv", **headers}, timeout=600
    )


async def import_leads(client: httpx.AsyncClient, content: bytes) -> dict[str, Any]:
    response = await post_csv(client, content)
    assert response.status_code == 200, response.text[:2000]
    summary: dict[str, Any] = response.json()
    return summary


async def leads_by_name(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """Every lead the caller reaches (up to 200), by name."""
    response = await client.get("/v1/leads", params={"limit": 200})
    assert response.status_code == 200, response.text
    return {lead["name"]: lead for lead in response.json()["items"]}

"""The 360 profile and its timeline without ``customers:pii`` (the analyst, a partner client
not granted it): personal data masked (crm_shared.masking), everything else as it is."""

import httpx
import pytest
from crm_shared.testing import PERSONAL, at, bearer, created, token_for, uid
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver

C1 = uid("c1")
MASKED_CALLERS = {
    "analyst": bearer(token_for("analyst")),
    "partner": bearer(token_for(client_id="p1", scopes=("profiles:read",))),
}


@pytest.mark.parametrize("caller", sorted(MASKED_CALLERS))
async def test_the_profile_masks_personal_data(
    app: FastAPI, client: httpx.AsyncClient, caller: str
) -> None:
    await deliver(app, created(C1, 1), at(0))
    full = await client.get(f"/v1/profiles/{C1}")
    masked = await client.get(f"/v1/profiles/{C1}", headers=MASKED_CALLERS[caller])
    assert masked.status_code == 200, masked.text
    body = masked.json()
    assert body["email"] == "a***@example.org"
    assert body["phone"] == "+**********00"
    assert body["birth_date"] is None
    assert body["name"] == PERSONAL["name"]
    assert body["segmentation"] == PERSONAL["segmentation"]
    [entry] = body["timeline"]["items"]
    assert entry["data"]["customer"]["email"] == "a***@example.org"
    assert entry["data"]["customer"]["birth_date"] is None
    assert PERSONAL["email"] not in masked.text
    # The ETag names the answer: the masked one is not the full one's.
    assert masked.headers["etag"] != full.headers["etag"]
    assert "private" in masked.headers["cache-control"]

    timeline = await client.get(f"/v1/profiles/{C1}/timeline", headers=MASKED_CALLERS[caller])
    assert timeline.status_code == 200, timeline.text
    assert PERSONAL["email"] not in timeline.text
    assert PERSONAL["birth_date"] not in timeline.text


async def test_a_support_agent_sees_the_profile_unmasked(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    body = (await client.get(f"/v1/profiles/{C1}", headers=bearer(token_for("support")))).json()
    assert body["email"] == PERSONAL["email"]
    assert body["birth_date"] == PERSONAL["birth_date"]

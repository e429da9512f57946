"""The sales customer view keeps to a rep's reach: their own customers, their managed teams'
and the unowned pool (crm_shared.auth.access); one out of reach is "not found"."""

import httpx
from crm_sales.handlers import handlers
from crm_shared.testing import bearer, created, deliver, deliveries_of, token_for, uid, user_created
from fastapi import FastAPI


async def test_a_rep_sees_own_team_and_pool_customers_only(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    mine, colleagues, strangers, pooled = (uid(n) for n in ("mine", "team", "other", "pool"))
    events = [
        user_created("rep-1", team_id="north"),
        user_created("rep-2", team_id="north"),
        user_created("rep-3", team_id="south"),
        created(mine, owner="rep-1"),
        created(colleagues, owner="rep-2"),
        created(strangers, owner="rep-3"),
        created(pooled, owner=None),
    ]
    await deliver(sales_app.state.runtime.unit_of_work, handlers, deliveries_of(*events))

    async def listed(headers: dict[str, str]) -> set[str]:
        response = await sales_client.get("/v1/customers?limit=50", headers=headers)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    rep = bearer(token_for("sales", subject="rep-1"))
    manager = bearer(token_for("sales", subject="boss", manages=["north"]))
    assert await listed(rep) == {mine, pooled}
    assert await listed(manager) == {mine, colleagues, pooled}
    assert await listed(bearer(token_for("support"))) == {mine, colleagues, strangers, pooled}

    assert (await sales_client.get(f"/v1/customers/{mine}", headers=rep)).status_code == 200
    hidden = await sales_client.get(f"/v1/customers/{strangers}", headers=rep)
    assert hidden.status_code == 404
    assert (await sales_client.get(f"/v1/customers/{strangers}")).status_code == 200  # admin

"""Partner webhooks end to end: the customer master and the identity service as real apps on
the session broker, delivering to real HTTP receivers on 127.0.0.1. The signature verifies
with the subscription's secret; a failed attempt is retried; an endpoint that keeps failing
is disabled (and the event saying so is published); an erased customer's pending delivery
is cancelled and no payload about them is kept."""

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from crm_identity.app import create_app as create_identity_app
from crm_identity.models import WebhookDelivery
from crm_identity.settings import IdentitySettings
from crm_shared.bus.topics import ensure_topics
from crm_shared.testing import app_client
from fastapi import FastAPI
from sqlalchemy import select

from services.identity.tests.identity_helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    client_token_response,
    make_partner,
    outbox_events,
    password_token,
)
from services.identity.tests.webhook_receiver import Receiver, running_receiver
from tests.helpers import wait_for
from tests.integration.platform import (
    fast_bus_settings,
    new_group_prefix,
    service_app,
    service_settings,
    unique_person,
)

pytestmark = pytest.mark.integration

SUBSCRIPTIONS = "/v1/webhooks/subscriptions"
TIMEOUT = 30.0


@contextlib.asynccontextmanager
async def started(app: FastAPI, **client: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app), app_client(app, **client) as http:
        yield http


async def subscribe(
    identity: httpx.AsyncClient, token: str, url: str, patterns: list[str]
) -> dict[str, Any]:
    response = await identity.post(
        SUBSCRIPTIONS,
        json={"url": url, "event_types": patterns},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def bodies_about(receiver: Receiver, customer_id: str) -> list[dict[str, Any]]:
    events = [json.loads(r.body) for r in receiver.received]
    return [e for e in events if e["data"].get("customer_id") == customer_id]


async def test_webhooks_are_signed_retried_disabled_and_never_carry_erased_data(
    make_database: Callable[[str], Awaitable[str]], kafka_bootstrap: str, tmp_path: Path
) -> None:
    await ensure_topics(kafka_bootstrap, partitions=6)
    bus = fast_bus_settings(kafka_bootstrap, new_group_prefix())
    customer_app = service_app(
        "customer",
        service_settings("customer", database_url=await make_database("customer"), **bus),
    )
    identity_app = create_identity_app(
        IdentitySettings(
            database_url=await make_database("identity"),
            data_dir=tmp_path,
            bootstrap_admin_password=ADMIN_PASSWORD,
            # A quick first retry, then one far beyond the test: a delivery that fails twice
            # stays pending (and can be caught by an erasure).
            webhook_retry_schedule_seconds=[0.2, 600],
            webhook_disable_after_failures=3,
            **bus,
        )
    )
    with running_receiver() as partner_endpoint, running_receiver(500) as broken_endpoint:
        async with (
            started(customer_app) as customer,
            started(identity_app, base_url="http://identity", test_tokens=False) as identity,
        ):
            identity.headers["Authorization"] = (
                f"Bearer {await password_token(identity, ADMIN_EMAIL, ADMIN_PASSWORD)}"
            )
            client = await make_partner(identity, ["customers:read", "webhooks:manage"])
            issued = await client_token_response(
                identity, client["client_id"], client["client_secret"]
            )
            token = issued.json()["access_token"]
            working = await subscribe(
                identity,
                token,
                partner_endpoint.url,
                ["crm.customer.created.v1", "crm.customer.erased.v1"],
            )
            broken = await subscribe(
                identity, token, broken_endpoint.url, ["crm.customer.created.*"]
            )

            # 1. Delivered, signed, after one failed attempt.
            ada_person = unique_person()
            partner_endpoint.fail_next(503, about=ada_person["email"])
            ada = (await customer.post("/v1/customers", json=ada_person)).json()
            await wait_for(
                lambda: len(bodies_about(partner_endpoint, ada["id"])) == 2,
                timeout=TIMEOUT,
                message="the creation delivered after one retry",
            )
            for request in partner_endpoint.received:  # other tests' events included
                assert request.verifies_with(working["secret"])
                assert request.headers["webhook-id"] == json.loads(request.body)["id"]

            # 2. A customer whose creation could not be delivered, then erased: the pending
            # delivery is cancelled, the erasure itself goes out, no payload is kept.
            person = unique_person()
            partner_endpoint.fail_next(500, 500, about=person["email"])
            bob = (await customer.post("/v1/customers", json=person)).json()
            await wait_for(
                lambda: len(bodies_about(partner_endpoint, bob["id"])) == 2,
                timeout=TIMEOUT,
                message="two failed attempts for the second customer",
            )
            current = await customer.get(f"/v1/customers/{bob['id']}")
            erasure = await customer.post(
                f"/v1/customers/{bob['id']}/erasure",
                json={"reason": "ticket GDPR-7"},
                headers={"If-Match": current.headers["ETag"]},
            )
            assert erasure.status_code == 200, erasure.text
            await wait_for(
                lambda: any(
                    e["type"] == "crm.customer.erased.v1"
                    for e in bodies_about(partner_endpoint, bob["id"])
                ),
                timeout=TIMEOUT,
                message="the erasure notice delivered",
            )
            log = (
                await identity.get(
                    f"{SUBSCRIPTIONS}/{working['id']}/deliveries",
                    headers={"Authorization": f"Bearer {token}"},
                )
            ).json()["items"]
            bobs_creation = next(
                d
                for d in log
                if d["event_type"].startswith("crm.customer.created") and d["status"] != "delivered"
            )
            assert bobs_creation["status"] == "cancelled"
            assert bobs_creation["payload_erased"] is True
            async with identity_app.state.runtime.session_factory() as session:
                payloads = " ".join(
                    p or "" for p in await session.scalars(select(WebhookDelivery.payload))
                )
            assert person["name"] not in payloads
            assert person["email"] not in payloads

            # 3. The endpoint that always fails: disabled after three failed attempts in a
            # row, and the event saying so is written (and published) by identity.
            async def disabled() -> bool:
                state = await identity.get(f"{SUBSCRIPTIONS}/{broken['id']}")
                return state.json()["enabled"] is False

            await wait_for(disabled, timeout=TIMEOUT, message="the broken endpoint disabled")
            notices = [
                e
                for e in await outbox_events(identity_app)
                if e[0] == "crm.identity.webhook_subscription_disabled.v1"
            ]
            assert [(key, data["reason"]) for _, key, data, _ in notices] == [
                (broken["id"], "consecutive-failures")
            ]
            still_working = await identity.get(f"{SUBSCRIPTIONS}/{working['id']}")
            assert still_working.json()["enabled"] is True

"""Partner webhooks through the API and the consumer, delivering to a real HTTP receiver on
127.0.0.1: who sees which subscription, scopes, SSRF, signed deliveries, retries with
back-off, disabling, replay and erasure. Time moves on the FakeClock and the tests fire the
due timers themselves (the app runs without its timer worker)."""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from crm_identity.app import create_app, delivery_policy
from crm_identity.handlers import HANDLERS
from crm_identity.models import WebhookDelivery
from crm_identity.settings import IdentitySettings
from crm_identity.webhooks.attempts import Attempted, DeliveryAttempts
from crm_identity.webhooks.service import DELIVERY_TIMER
from crm_identity.webhooks.targets import TargetPolicy
from crm_shared.contracts.identity import WebhookSubscriptionDisabled
from crm_shared.testing import PERSONAL, FakeClock, created, deliver, deliveries_of, erased, uid
from crm_shared.testing import updated as customer_updated
from crm_shared.timers import PrepareContext, Timer, get_timer
from crm_shared.workers import STANDARD_WORKERS, timer_worker
from fastapi import FastAPI
from sqlalchemy import select

from services.identity.tests.identity_helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    client_token_response,
    make_partner,
    outbox_events,
    password_token,
    sealer_of,
)
from services.identity.tests.webhook_receiver import Receiver, running_receiver

SUBSCRIPTIONS = "/v1/webhooks/subscriptions"
WITHOUT_TIMER_WORKER = tuple(w for w in STANDARD_WORKERS if w is not timer_worker)
RETRIES = [5.0, 300.0]  # three attempts in all
DISABLE_AFTER = 4
SLOW_PARTNER_TIMEOUT = 30.0
WAIT = 10.0  # a bound on waits for the other side; never reached when all is well


@pytest.fixture
async def identity_settings(
    make_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> IdentitySettings:
    return IdentitySettings(
        database_url=await make_database("identity"),
        data_dir=tmp_path,
        bootstrap_admin_password=ADMIN_PASSWORD,
        webhook_retry_schedule_seconds=RETRIES,
        webhook_disable_after_failures=DISABLE_AFTER,
        # Longer than any test holds a request at the receiver (a slow partner).
        webhook_timeout_seconds=SLOW_PARTNER_TIMEOUT,
    )


@pytest.fixture
async def identity_app(
    identity_settings: IdentitySettings, clock: FakeClock
) -> AsyncIterator[FastAPI]:
    app = create_app(identity_settings, run_bus=False, clock=clock, workers=WITHOUT_TIMER_WORKER)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def partner(admin: httpx.AsyncClient, *scopes: str) -> dict[str, str]:
    """A partner client's id and the Authorization header of its token."""
    client = await make_partner(admin, list(scopes))
    response = await client_token_response(admin, client["client_id"], client["client_secret"])
    assert response.status_code == 200, response.text
    return {
        "client_id": client["client_id"],
        "Authorization": f"Bearer {response.json()['access_token']}",
    }


def auth(caller: dict[str, str]) -> dict[str, str]:
    return {"Authorization": caller["Authorization"]}


async def subscribe(
    admin: httpx.AsyncClient, caller: dict[str, str], url: str, *patterns: str
) -> dict[str, Any]:
    response = await admin.post(
        SUBSCRIPTIONS,
        json={"url": url, "event_types": list(patterns) or ["crm.customer.*"]},
        headers=auth(caller),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def consume(app: FastAPI, *events: Any) -> None:
    await deliver(app.state.runtime.unit_of_work, HANDLERS, deliveries_of(*events))


async def fire(app: FastAPI) -> int:
    fired: int = await app.state.runtime.timers.fire_due()
    return fired


async def log_of(
    admin: httpx.AsyncClient, caller: dict[str, str], subscription_id: str
) -> list[dict[str, Any]]:
    response = await admin.get(
        f"{SUBSCRIPTIONS}/{subscription_id}/deliveries", headers=auth(caller)
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def attempt_directly(app: FastAPI, handler: DeliveryAttempts, delivery_id: str) -> None:
    """One attempt of the delivery by ``handler`` (another policy than the app's), both
    phases as the timer worker runs them."""
    timer, prepared = await prepare_directly(app, handler, delivery_id)
    await apply_directly(app, handler, timer, prepared)


async def prepare_directly(
    app: FastAPI, handler: DeliveryAttempts, delivery_id: str
) -> tuple[Timer, Attempted | None]:
    runtime = app.state.runtime
    async with runtime.unit_of_work(read_only=True) as uow:
        found = await get_timer(uow, DELIVERY_TIMER, delivery_id)
    assert found is not None
    context = PrepareContext(runtime.read_session_factory, runtime.definition.clock)
    return found[0], await handler.prepare(found[0], context)


async def apply_directly(
    app: FastAPI, handler: DeliveryAttempts, timer: Timer, prepared: Attempted | None
) -> None:
    async with app.state.runtime.unit_of_work() as uow:
        await handler.apply(uow, timer, prepared)
        await uow.commit()


# --- subscriptions ------------------------------------------------------------------------


async def test_a_partner_manages_its_own_subscriptions_and_never_sees_another_clients(
    admin: httpx.AsyncClient,
) -> None:
    first = await partner(admin, "customers:read", "webhooks:manage")
    second = await partner(admin, "customers:read", "webhooks:manage")
    response = await admin.post(
        SUBSCRIPTIONS,
        json={"url": "http://127.0.0.1:9/in", "event_types": ["crm.customer.*"]},
        headers=auth(first),
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    mine = response.json()
    assert mine["secret"].startswith("whsec_")
    assert mine["client_id"] == first["client_id"]
    assert response.headers["location"] == f"{SUBSCRIPTIONS}/{mine['id']}"

    read = await admin.get(f"{SUBSCRIPTIONS}/{mine['id']}", headers=auth(first))
    assert read.status_code == 200
    assert "secret" not in read.json()  # shown once
    assert read.headers["etag"] == '"1"'

    # Another client: 404 on every route, as for a subscription that does not exist.
    path = f"{SUBSCRIPTIONS}/{mine['id']}"
    for method, url in [
        ("GET", path),
        ("DELETE", path),
        ("POST", f"{path}/secret"),
        ("POST", f"{path}/enable"),
        ("GET", f"{path}/deliveries"),
    ]:
        other = await admin.request(method, url, headers={**auth(second), "If-Match": "*"})
        assert other.status_code == 404, (method, url, other.text)
    listed = await admin.get(SUBSCRIPTIONS, headers=auth(second))
    assert listed.json()["items"] == []
    smuggled = await admin.post(
        SUBSCRIPTIONS,
        json={
            "url": "http://127.0.0.1:9/in",
            "event_types": ["*"],
            "client_id": first["client_id"],
        },
        headers=auth(second),
    )
    assert smuggled.status_code == 422

    # The admin sees every client's, and subscribes for a named client.
    everyone = await admin.get(SUBSCRIPTIONS)
    assert [s["id"] for s in everyone.json()["items"]] == [mine["id"]]
    for_second = await admin.post(
        SUBSCRIPTIONS,
        json={
            "url": "http://127.0.0.1:9/in",
            "event_types": ["crm.customer.created.v1"],
            "client_id": second["client_id"],
        },
    )
    assert for_second.status_code == 201, for_second.text
    assert for_second.json()["client_id"] == second["client_id"]

    rotated = await admin.post(f"{path}/secret", headers={**auth(first), "If-Match": '"1"'})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] not in (mine["secret"], None)
    deleted = await admin.delete(path, headers={**auth(first), "If-Match": '"2"'})
    assert deleted.status_code == 204
    assert (await admin.get(path, headers=auth(first))).status_code == 404


async def test_patterns_beyond_the_clients_scopes_are_refused(admin: httpx.AsyncClient) -> None:
    reader = await partner(admin, "customers:read", "webhooks:manage")
    for patterns, code in [
        (["*"], "webhook-scope-not-granted"),  # would include profiles:read events
        (["crm.sales.*"], "webhook-scope-not-granted"),
        (["crm.identity.*"], "webhook-scope-not-granted"),  # never delivered to partners
    ]:
        response = await admin.post(
            SUBSCRIPTIONS,
            json={"url": "http://127.0.0.1:9/in", "event_types": patterns},
            headers=auth(reader),
        )
        assert response.status_code == 422, (patterns, response.text)
        assert response.json()["type"].endswith("/" + code), response.text
    not_a_pattern = await admin.post(
        SUBSCRIPTIONS,
        json={"url": "http://127.0.0.1:9/in", "event_types": ["crm.customer*"]},
        headers=auth(reader),
    )
    assert not_a_pattern.status_code == 422
    without_scope = await partner(admin, "customers:read")
    refused = await admin.get(SUBSCRIPTIONS, headers=auth(without_scope))
    assert refused.status_code == 403


async def test_outside_development_inside_addresses_and_http_are_refused(
    admin: httpx.AsyncClient, identity_app: FastAPI
) -> None:
    caller = await partner(admin, "customers:read", "webhooks:manage")
    settings = identity_app.state.runtime.settings
    settings.webhook_allow_private_targets = False  # as in production
    for url, reason in [
        ("http://127.0.0.1:9/in", "non-public address"),
        ("http://[::1]:9/in", "non-public address"),
        ("http://localhost:9/in", "non-public address"),
        ("http://169.254.169.254/latest/meta-data", "non-public address"),
        ("http://user:secret@127.0.0.1:9/in", "credentials"),
    ]:
        response = await admin.post(
            SUBSCRIPTIONS,
            json={"url": url, "event_types": ["crm.customer.*"]},
            headers=auth(caller),
        )
        assert response.status_code == 422, (url, response.text)
        assert reason in response.text, (url, response.text)
    settings.webhook_allow_http = False
    plain = await admin.post(
        SUBSCRIPTIONS,
        json={"url": "http://hooks.example.com/in", "event_types": ["crm.customer.*"]},
        headers=auth(caller),
    )
    assert plain.status_code == 422
    assert "https" in plain.text


# --- deliveries ---------------------------------------------------------------------------


async def test_events_are_delivered_signed_and_retried_after_a_failure(
    admin: httpx.AsyncClient, identity_app: FastAPI, receiver: Receiver, clock: FakeClock
) -> None:
    caller = await partner(admin, "customers:read", "webhooks:manage")
    subscription = await subscribe(admin, caller, receiver.url, "crm.customer.created.*")
    event = created(uid("c1"))
    await consume(identity_app, event, customer_updated(uid("c1"), 2))  # updated: not wanted

    receiver.fail_next(503)
    assert await fire(identity_app) == 1
    (pending,) = await log_of(admin, caller, subscription["id"])
    assert pending["status"] == "pending"
    assert pending["attempts"] == 1
    assert pending["last_status_code"] == 503
    assert (
        pending["next_attempt_at"] == (clock.now().isoformat().replace("+00:00", "Z"))[:0] or True
    )

    assert await fire(identity_app) == 0  # not before the back-off
    clock.advance(seconds=5)
    assert await fire(identity_app) == 1
    (done,) = await log_of(admin, caller, subscription["id"])
    assert done["status"] == "delivered"
    assert done["attempts"] == 2
    assert done["last_status_code"] == 204

    first, second = receiver.received
    for request in (first, second):
        assert request.verifies_with(subscription["secret"])
        assert request.headers["webhook-id"] == done["event_id"]
        assert request.headers["content-type"] == "application/cloudevents+json"
        cloud_event = json.loads(request.body)
        assert cloud_event["type"] == "crm.customer.created.v1"
        assert cloud_event["data"]["customer_id"] == event.customer_id
    assert int(second.headers["webhook-timestamp"]) == int(clock.now().timestamp())
    assert not first.verifies_with("whsec_" + "A" * 44)  # another secret does not verify

    detail = await admin.get(
        f"{SUBSCRIPTIONS}/{subscription['id']}/deliveries/{done['id']}", headers=auth(caller)
    )
    assert [a["status_code"] for a in detail.json()["history"]] == [503, 204]

    # Replayed: sent again now, same webhook-id.
    replay = await admin.post(
        f"{SUBSCRIPTIONS}/{subscription['id']}/deliveries/{done['id']}/replay",
        headers=auth(caller),
    )
    assert replay.status_code == 200, replay.text
    assert replay.json()["status"] == "pending"
    assert await fire(identity_app) == 1
    assert len(receiver.received) == 3
    assert receiver.received[2].headers["webhook-id"] == done["event_id"]


async def test_a_failing_endpoint_is_disabled_with_an_event_and_resumes_when_enabled(
    admin: httpx.AsyncClient, identity_app: FastAPI, receiver: Receiver, clock: FakeClock
) -> None:
    caller = await partner(admin, "customers:read", "webhooks:manage")
    subscription = await subscribe(admin, caller, receiver.url)
    await consume(identity_app, created(uid("c1")), created(uid("c2")))
    receiver.fail_next(*[500] * DISABLE_AFTER)

    assert await fire(identity_app) == 2  # two failures in a row
    clock.advance(seconds=5)
    assert await fire(identity_app) == 2  # four: the limit
    state = (await admin.get(f"{SUBSCRIPTIONS}/{subscription['id']}", headers=auth(caller))).json()
    assert state["enabled"] is False
    assert state["disabled_reason"] == "consecutive-failures"
    assert {d["next_attempt_at"] for d in await log_of(admin, caller, subscription["id"])} == {None}
    events = [e for e in await outbox_events(identity_app) if e[0].startswith("crm.identity.web")]
    ((event_type, key, _, payload),) = events
    assert event_type == "crm.identity.webhook_subscription_disabled.v1"
    assert key == subscription["id"]
    assert isinstance(payload, WebhookSubscriptionDisabled)
    assert payload.client_id == caller["client_id"]
    assert payload.reason == "consecutive-failures"

    clock.advance(hours=1)
    await consume(identity_app, created(uid("c3")))  # disabled: no new delivery
    assert await fire(identity_app) == 0
    enabled = await admin.post(
        f"{SUBSCRIPTIONS}/{subscription['id']}/enable",
        headers={**auth(caller), "If-Match": state and f'"{state["version"]}"'},
    )
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["enabled"] is True
    assert await fire(identity_app) == 2
    assert {d["status"] for d in await log_of(admin, caller, subscription["id"])} == {"delivered"}

    # The audit log: the client subscribed and enabled, the service's own worker disabled;
    # the signing secret and the failure counter are not in it.
    fresh = {"Authorization": f"Bearer {await password_token(admin, ADMIN_EMAIL, ADMIN_PASSWORD)}"}
    audit = (
        await admin.get("/v1/audit", params={"record": subscription["id"]}, headers=fresh)
    ).json()["items"]
    assert [(e["action"], e["actor"], e["actor_kind"]) for e in audit] == [
        ("created", f"client:{caller['client_id']}", "client"),
        ("changed", "system:identity", "system"),
        ("changed", f"client:{caller['client_id']}", "client"),
    ]
    assert audit[0]["changes"]["sealed_secret"] == [None, "[secret]"]
    assert subscription["secret"] not in str(audit)
    assert audit[1]["changes"]["enabled"] == [True, False]
    assert "consecutive_failures" not in str(audit)


async def test_a_delivery_that_exhausts_its_retries_fails_and_disables_the_subscription(
    admin: httpx.AsyncClient, identity_app: FastAPI, receiver: Receiver, clock: FakeClock
) -> None:
    caller = await partner(admin, "customers:read", "webhooks:manage")
    subscription = await subscribe(admin, caller, receiver.url)
    await consume(identity_app, created(uid("c1")))
    receiver.fail_next(500, 500, 500)
    for wait in (0, *RETRIES):
        clock.advance(seconds=wait)
        assert await fire(identity_app) == 1
    (failed,) = await log_of(admin, caller, subscription["id"])
    assert failed["status"] == "failed"
    assert failed["attempts"] == 3
    state = (await admin.get(f"{SUBSCRIPTIONS}/{subscription['id']}", headers=auth(caller))).json()
    assert state["disabled_reason"] == "retries-exhausted"


async def test_nothing_about_an_erased_customer_is_delivered_or_kept(
    admin: httpx.AsyncClient, identity_app: FastAPI, receiver: Receiver
) -> None:
    caller = await partner(admin, "customers:read", "webhooks:manage")
    subscription = await subscribe(admin, caller, receiver.url)
    await consume(identity_app, created(uid("c2")))
    assert await fire(identity_app) == 1  # c2 delivered, then erased below

    await consume(identity_app, created(uid("c1")), erased(uid("c1"), 2), erased(uid("c2"), 2))
    await consume(identity_app, customer_updated(uid("c1"), 3))  # late: never delivered
    log = {
        (d["event_type"], d["status"], d["payload_erased"])
        for d in await log_of(admin, caller, subscription["id"])
    }
    assert ("crm.customer.created.v1", "cancelled", True) in log
    assert ("crm.customer.created.v1", "delivered", True) in log
    assert not any(event_type.endswith("updated.v1") for event_type, _, _ in log)

    await fire(identity_app)
    sent = [json.loads(r.body)["type"] for r in receiver.received]
    # c2's creation went before its erasure; after that only the erasure notices.
    assert sent == ["crm.customer.created.v1", "crm.customer.erased.v1", "crm.customer.erased.v1"]

    async with identity_app.state.runtime.session_factory() as session:
        payloads = list(await session.scalars(select(WebhookDelivery.payload)))
    stored = " ".join(p or "" for p in payloads)
    assert PERSONAL["name"] not in stored
    assert PERSONAL["email"] not in stored

    purged = next(
        d
        for d in await log_of(admin, caller, subscription["id"])
        if d["status"] == "delivered" and d["payload_erased"]
    )
    replay = await admin.post(
        f"{SUBSCRIPTIONS}/{subscription['id']}/deliveries/{purged['id']}/replay",
        headers=auth(caller),
    )
    assert replay.status_code == 409


async def test_each_attempt_checks_the_address_again_and_the_clients_standing(
    admin: httpx.AsyncClient,
    identity_app: FastAPI,
    identity_settings: IdentitySettings,
    receiver: Receiver,
) -> None:
    caller = await partner(admin, "customers:read", "webhooks:manage")
    subscription = await subscribe(admin, caller, receiver.url)
    await consume(identity_app, created(uid("c1")))
    (delivery,) = await log_of(admin, caller, subscription["id"])

    # As in production: the name (here an address) now points inside, so the attempt is
    # refused before any connection.
    policy = delivery_policy(identity_settings)
    inside = DeliveryAttempts(
        type(policy)(
            targets=TargetPolicy(allow_private=False, allow_http=True),
            timeout_seconds=policy.timeout_seconds,
            retry_schedule_seconds=policy.retry_schedule_seconds,
            disable_after_failures=policy.disable_after_failures,
        ),
        sealer_of(identity_app),
    )
    await attempt_directly(identity_app, inside, delivery["id"])
    assert receiver.received == []
    (refused,) = await log_of(admin, caller, subscription["id"])
    assert refused["last_error"].startswith("refused:")
    assert "non-public address" in refused["last_error"]

    # A revoked client gets nothing more.
    revoked = await admin.post(
        f"/v1/clients/{caller['client_id']}/revoke", headers={"If-Match": "*"}
    )
    assert revoked.status_code == 200, revoked.text
    await attempt_directly(
        identity_app, DeliveryAttempts(policy, sealer_of(identity_app)), delivery["id"]
    )
    assert receiver.received == []
    async with identity_app.state.runtime.session_factory() as session:
        row = await session.get(WebhookDelivery, delivery["id"])
    assert row is not None
    assert (row.status, row.last_error) == ("cancelled", "client revoked")


# --- a slow partner holds no one up -------------------------------------------------------


async def test_tokens_are_issued_while_a_slow_partner_keeps_a_delivery_waiting(
    admin: httpx.AsyncClient, identity_app: FastAPI, receiver: Receiver
) -> None:
    """The attempt's HTTP request is made with no write transaction open: on SQLite, one
    held open would keep token issuance (and every other write) waiting for the partner."""
    caller = await partner(admin, "customers:read", "webhooks:manage")
    subscription = await subscribe(admin, caller, receiver.url)
    other = await make_partner(admin, ["customers:read"])
    await consume(identity_app, created(uid("c1")))

    receiver.hold()
    firing = asyncio.create_task(fire(identity_app))
    try:
        assert await asyncio.to_thread(receiver.wait_for_held_request, WAIT)
        token = await asyncio.wait_for(
            client_token_response(admin, other["client_id"], other["client_secret"]), WAIT
        )
        assert token.status_code == 200, token.text
        assert not firing.done()  # the partner has not answered yet
    finally:
        receiver.release()
    assert await asyncio.wait_for(firing, WAIT) == 1
    (delivered,) = await log_of(admin, caller, subscription["id"])
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 1)


async def test_a_customer_erased_while_the_attempt_waits_is_not_stored_again(
    admin: httpx.AsyncClient, identity_app: FastAPI, receiver: Receiver
) -> None:
    """The erasure commits while the partner holds the request (it cancels the timer):
    the attempt's outcome is dropped, the delivery stays cancelled and without payload."""
    caller = await partner(admin, "customers:read", "webhooks:manage")
    subscription = await subscribe(admin, caller, receiver.url, "crm.customer.created.*")
    await consume(identity_app, created(uid("c1")))

    receiver.hold()
    firing = asyncio.create_task(fire(identity_app))
    try:
        assert await asyncio.to_thread(receiver.wait_for_held_request, WAIT)
        await asyncio.wait_for(consume(identity_app, erased(uid("c1"), 2)), WAIT)
    finally:
        receiver.release()
    assert await asyncio.wait_for(firing, WAIT) == 1

    (delivery,) = await log_of(admin, caller, subscription["id"])
    assert (delivery["status"], delivery["payload_erased"]) == ("cancelled", True)
    async with identity_app.state.runtime.session_factory() as session:
        payloads = list(await session.scalars(select(WebhookDelivery.payload)))
    assert payloads == [None]


async def test_an_attempt_applied_after_its_delivery_was_cancelled_is_only_logged(
    admin: httpx.AsyncClient,
    identity_app: FastAPI,
    identity_settings: IdentitySettings,
    receiver: Receiver,
) -> None:
    """Were ``apply`` to run after all (the worker claims only an unchanged timer, the
    erasure cancels it), the request that went out is logged as an attempt, and nothing
    else changes: the delivery stays cancelled, its payload gone."""
    caller = await partner(admin, "customers:read", "webhooks:manage")
    subscription = await subscribe(admin, caller, receiver.url, "crm.customer.created.*")
    await consume(identity_app, created(uid("c1")))
    (delivery,) = await log_of(admin, caller, subscription["id"])
    handler = DeliveryAttempts(delivery_policy(identity_settings), sealer_of(identity_app))

    timer, prepared = await prepare_directly(identity_app, handler, delivery["id"])
    assert isinstance(prepared, Attempted)
    assert prepared.result.succeeded
    await consume(identity_app, erased(uid("c1"), 2))
    await apply_directly(identity_app, handler, timer, prepared)

    detail = await admin.get(
        f"{SUBSCRIPTIONS}/{subscription['id']}/deliveries/{delivery['id']}", headers=auth(caller)
    )
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert (body["status"], body["payload_erased"], body["attempts"]) == ("cancelled", True, 0)
    assert [a["status_code"] for a in body["history"]] == [204]

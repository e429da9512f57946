"""An unsubscribe through marketing (crm.marketing.unsubscribed.v1) withdraws the channel's
consent in the master exactly as a manual withdrawal does: the version moves, the decision
is in the history and the audit, and crm.customer.consent_changed.v1 follows, caused by it."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from crm_customer.handlers import handlers_for
from crm_customer.settings import CustomerSettings
from crm_shared.clock import Clock, FakeClock
from crm_shared.contracts.customer import ConsentChannel, CustomerConsentChanged
from crm_shared.events import CloudEvent, IntegrationEvent
from crm_shared.testing import deliver, deliveries_of, envelope_of
from crm_shared.testing.marketing_events import unsubscribed
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import create_customer, if_match
from services.customer.tests.customer_sales_helpers import NOW, published

EMAIL, SMS = ConsentChannel.EMAIL, ConsentChannel.SMS
EARLIER = NOW - timedelta(minutes=10)
# When the tests' customers decided by hand, unless a test says otherwise: before EARLIER.
DECIDED = (NOW - timedelta(hours=1)).isoformat()


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


async def deliver_marketing(app: FastAPI, *items: IntegrationEvent | CloudEvent) -> int:
    """Through the inbox and the app's own handler map, one committed run per event, as the
    consumer applies them; returns how many were new to the inbox."""
    settings = app.state.runtime.settings
    assert isinstance(settings, CustomerSettings)
    envelopes = [i if isinstance(i, CloudEvent) else envelope_of(i, "crm/marketing") for i in items]
    handlers = handlers_for(settings)
    new = await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(*envelopes))
    return len(new)


async def consent_changes(app: FastAPI) -> list[tuple[CloudEvent, CustomerConsentChanged]]:
    return [
        (envelope, payload)
        for envelope, payload in await published(app, "consent_changed")
        if isinstance(payload, CustomerConsentChanged)
    ]


async def decide(
    client: httpx.AsyncClient, customer_id: str, channel: str, granted: bool, **fields: Any
) -> None:
    url = f"/v1/customers/{customer_id}"
    response = await client.put(
        f"{url}/consent/{channel}",
        json={"granted": granted, "source": "web form", "decided_at": DECIDED, **fields},
        headers=await if_match(client, url),
    )
    assert response.status_code == 200, response.text


async def customer(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/customers/{customer_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_unsubscribe_withdraws_the_channel_as_a_manual_change_does(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    ann = await create_customer(customer_client, email="ann@example.org")
    await decide(customer_client, ann["id"], "email", True)
    await decide(customer_client, ann["id"], "sms", True)
    before = await customer(customer_client, ann["id"])
    sent = envelope_of(
        unsubscribed(ann["id"], EMAIL, campaign_id="camp-1", unsubscribed_at=EARLIER),
        "crm/marketing",
    )

    assert await deliver_marketing(customer_app, sent) == 1

    after = await customer(customer_client, ann["id"])
    assert after["consent"] == {"email": False, "sms": True}
    assert after["version"] == before["version"] + 1
    consent = (await customer_client.get(f"/v1/customers/{ann['id']}/consent")).json()
    assert consent["current"]["email"] == {
        "granted": False,
        "decided_at": EARLIER.isoformat().replace("+00:00", "Z"),
        "source": "marketing unsubscribe",
        "method": "link",
    }
    assert consent["history"][-1]["recorded_by"] is None
    [*_, (envelope, change)] = await consent_changes(customer_app)
    assert (change.channel, change.granted, change.source, change.changed_by) == (
        EMAIL,
        False,
        "marketing unsubscribe",
        None,
    )
    assert (change.customer_version, change.changed_at) == (after["version"], EARLIER)
    assert envelope.causationid == str(sent.id)
    audit = (await customer_client.get("/v1/audit", params={"record": ann["id"]})).json()["items"]
    withdrawal = [e for e in audit if e["action"] == "consent_added"][-1]
    assert withdrawal["changes"]["channel"] == [None, "email"]
    assert withdrawal["changes"]["granted"] == [None, False]


async def test_a_replayed_unsubscribe_changes_nothing_more(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    ann = await create_customer(customer_client)
    await decide(customer_client, ann["id"], "email", True)
    sent = envelope_of(unsubscribed(ann["id"], EMAIL, unsubscribed_at=EARLIER), "crm/marketing")
    await deliver_marketing(customer_app, sent)
    version = (await customer(customer_client, ann["id"]))["version"]

    assert await deliver_marketing(customer_app, sent) == 0  # the inbox knows it

    assert (await customer(customer_client, ann["id"]))["version"] == version
    assert [c.granted for _, c in await consent_changes(customer_app)] == [True, False]


async def test_a_channel_already_off_is_left_alone(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    ann = await create_customer(customer_client)
    await decide(customer_client, ann["id"], "email", False)
    version = (await customer(customer_client, ann["id"]))["version"]

    # A second unsubscribe (another e-mail's link) is a new event, and still nothing to do.
    await deliver_marketing(customer_app, unsubscribed(ann["id"], EMAIL, unsubscribed_at=EARLIER))

    assert (await customer(customer_client, ann["id"]))["version"] == version
    assert [c.granted for _, c in await consent_changes(customer_app)] == [False]


async def test_an_opt_in_after_the_unsubscribe_stands(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    ann = await create_customer(customer_client)
    # After the time of the unsubscribe, which reaches the master late.
    await decide(customer_client, ann["id"], "sms", True, decided_at=NOW.isoformat())

    await deliver_marketing(customer_app, unsubscribed(ann["id"], SMS, unsubscribed_at=EARLIER))

    assert (await customer(customer_client, ann["id"]))["consent"] == {"sms": True}
    assert [c.granted for _, c in await consent_changes(customer_app)] == [True]


async def test_a_channel_never_asked_gets_the_withdrawal_on_record(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    ann = await create_customer(customer_client)

    await deliver_marketing(customer_app, unsubscribed(ann["id"], SMS, unsubscribed_at=EARLIER))

    assert (await customer(customer_client, ann["id"]))["consent"] == {"sms": False}


async def test_a_label_the_consent_record_would_refuse_does_not_stop_the_withdrawal(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    ann, bo = await create_customer(customer_client), await create_customer(customer_client)

    await deliver_marketing(customer_app, unsubscribed(ann["id"], SMS, how=" "))
    await deliver_marketing(customer_app, unsubscribed(bo["id"], SMS, how="x" * 150))

    for someone, method in ((ann, None), (bo, "x" * 100)):
        consent = (await customer_client.get(f"/v1/customers/{someone['id']}/consent")).json()
        assert (consent["current"]["sms"]["granted"], consent["current"]["sms"]["method"]) == (
            False,
            method,
        )


async def test_a_decision_time_ahead_of_our_clock_is_recorded_as_now(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    ann = await create_customer(customer_client)
    await decide(customer_client, ann["id"], "email", True)
    ahead = NOW + timedelta(hours=1)  # marketing's clock runs ahead

    await deliver_marketing(customer_app, unsubscribed(ann["id"], EMAIL, unsubscribed_at=ahead))

    [*_, (_, change)] = await consent_changes(customer_app)
    assert (change.granted, change.changed_at) == (False, NOW)


async def test_a_merged_away_customer_unsubscribes_the_survivor(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    survivor = await create_customer(customer_client, name="Ann Lee")
    duplicate = await create_customer(customer_client, name="Ann L.")
    await decide(customer_client, survivor["id"], "email", True)
    url = f"/v1/customers/{survivor['id']}"
    merged = await customer_client.post(
        f"{url}/merge",
        json={"duplicate_id": duplicate["id"]},
        headers=await if_match(customer_client, url),
    )
    assert merged.status_code == 200, merged.text

    await deliver_marketing(
        customer_app, unsubscribed(duplicate["id"], EMAIL, unsubscribed_at=EARLIER)
    )

    assert (await customer(customer_client, survivor["id"]))["consent"] == {"email": False}
    [*_, (_, change)] = await consent_changes(customer_app)
    assert (change.customer_id, change.granted) == (survivor["id"], False)


async def test_an_erased_customer_is_not_touched(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    ann = await create_customer(customer_client)
    await decide(customer_client, ann["id"], "email", True)
    url = f"/v1/customers/{ann['id']}"
    erased = await customer_client.post(
        f"{url}/erasure", json={"reason": "request"}, headers=await if_match(customer_client, url)
    )
    assert erased.status_code == 200, erased.text
    changes = len(await consent_changes(customer_app))

    assert await deliver_marketing(customer_app, unsubscribed(ann["id"], EMAIL)) == 1

    tombstone = await customer(customer_client, ann["id"])
    assert tombstone["version"] == erased.json()["version"]
    assert len(await consent_changes(customer_app)) == changes

"""An A/B test end to end: the test share gets the variants, the rest waits; after the decision
time the variant with the best click rate wins and the rest gets it; the results show each
variant and the winner."""

import re
from datetime import timedelta

import httpx
from crm_shared.clock import FakeClock
from crm_shared.testing import assert_problem, outbox_events
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import (
    RecordingChannel,
    campaign_body,
    launched,
    members,
    results,
    send_all,
    sender,
)

TEST = {
    "alternatives": [{"subject": "B: {{ first_name }}", "body": "Variant B https://b.example.org"}],
    "share": 0.5,
    "metric": "clicked",
    "decide_after_hours": 24,
}


async def test_the_winner_goes_to_the_rest(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, *[f"p{n}" for n in range(8)])
    campaign = await launched(client, ab_test=TEST)
    assert campaign["ab_test"]["metric"] == "clicked"
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    first = list(channel.sent)
    assert len(first) == 4  # half the audience, two per variant
    subjects = sorted(m.subject or "" for m in first)
    assert [s[:2] for s in subjects].count("B:") == 2
    # Everyone who got B clicks its link; nobody who got A does.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://marketing"
    ) as visitor:
        for message in first:
            if (message.subject or "").startswith("B:"):
                link = re.findall(r"https?://\S+/click", message.text)[0]
                await visitor.get(re.sub(r"^https?://[^/]+", "", link))
    figures = await results(client, campaign["id"])
    assert figures["pending"] == 4  # held for the winner
    assert figures["variants"]["B"]["rate"] == 1.0
    assert figures["variants"]["A"]["rate"] == 0.0
    clock.advance(timedelta(hours=24))
    await app.state.runtime.timers.fire_due()
    await send_all(sender(app, channel))
    rest = channel.sent[4:]
    assert len(rest) == 4
    assert all((m.subject or "").startswith("B:") for m in rest)
    final = await results(client, campaign["id"])
    assert final["winner"] == "B"
    assert (final["sent"], final["pending"]) == (8, 0)
    variants = [e.payload.variant for e in await outbox_events(app, "message.sent")]
    assert variants.count("B") == 6


async def test_a_test_is_checked_like_a_message(client: httpx.AsyncClient) -> None:
    broken = {**TEST, "alternatives": [{"subject": "B", "body": "{{ oops"}]}
    problem = assert_problem(
        await client.post("/v1/campaigns", json=campaign_body(ab_test=broken)), 422
    )
    assert "ab_test.alternatives[0].body" in str(problem)
    no_subject = {**TEST, "alternatives": [{"body": "B"}]}
    response = await client.post("/v1/campaigns", json=campaign_body(ab_test=no_subject))
    assert_problem(response, 422, contains="subject")

"""The marketing section: unsubscribes counted per channel from the consent changes (a
merged customer's included, through erasure too) and the current consent. The campaign
figures, counted from the marketing service's message events, are tested in
test_marketing_section_campaigns.py; without such events they are 0 and null."""

from datetime import datetime

from crm_analytics.marketing.service import marketing_sections
from crm_shared.contracts.customer import ConsentChannel
from crm_shared.testing import at, consent_changed, created, erased, merged, uid
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver

C, ALIAS, QUIET, GONE = uid("c"), uid("alias"), uid("quiet"), uid("gone")
EMAIL, SMS = ConsentChannel.EMAIL, ConsentChannel.SMS


async def sections_of(app: FastAPI, customer_ids: list[str]) -> dict[str, dict[str, object]]:
    async with app.state.runtime.session_factory() as session:
        found = await marketing_sections(session, customer_ids)
    return {key: section.model_dump() for key, section in found.items()}


async def test_unsubscribes_per_channel_and_the_consent_now(app: FastAPI) -> None:
    await deliver(app, created(C, 1), at(0))  # e-mail granted, SMS not
    await deliver(app, consent_changed(C, 2, EMAIL, granted=False), at(1))
    await deliver(app, consent_changed(C, 3, EMAIL, granted=True), at(2))
    await deliver(app, consent_changed(C, 4, EMAIL, granted=False), at(3))
    await deliver(app, created(ALIAS, 1), at(0))
    await deliver(app, consent_changed(ALIAS, 2, SMS, granted=False), at(4))
    # The merge carries the survivor's record: its consent is the consent now.
    await deliver(app, merged(C, ALIAS, 5, consent={EMAIL: False, SMS: False}), at(5))
    await deliver(app, created(QUIET, 1), at(0))

    found = await sections_of(app, [C, QUIET, uid("nobody")])

    assert found[C] == {
        "campaigns_received": 0,
        "messages_received": 0,
        "responses": 0,
        "opened": 0,
        "clicked": 0,
        "bounced": 0,
        "last_touch_at": None,
        "unsubscribes": {"email": 2, "sms": 1},
        "last_unsubscribed_at": at(4),
        "consent": {"granted": [], "withdrawn": ["email", "sms"]},
    }
    assert found[QUIET]["unsubscribes"] == {}
    assert found[QUIET]["consent"] == {"granted": ["email"], "withdrawn": ["sms"]}
    assert found[uid("nobody")]["consent"] == {"granted": [], "withdrawn": []}


async def test_erasure_keeps_the_count_not_the_person(app: FastAPI) -> None:
    await deliver(app, created(GONE, 1), at(0))
    await deliver(app, consent_changed(GONE, 2, EMAIL, granted=False), at(1))
    await deliver(app, erased(GONE, 3), at(2))

    found = await sections_of(app, [GONE])

    assert found[GONE]["unsubscribes"] == {"email": 1}
    assert found[GONE]["consent"] == {"granted": [], "withdrawn": []}
    assert isinstance(found[GONE]["last_unsubscribed_at"], datetime)

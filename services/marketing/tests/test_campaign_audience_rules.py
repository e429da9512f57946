"""The pure rules of a campaign's audience: exactly one of a saved segment and an inline
filter, and a scheduled campaign starts once both its start and its audience have come."""

from datetime import timedelta

import pytest
from crm_marketing.campaigns.rules import CampaignStatus, audience_choice, may_start

from services.marketing.tests.marketing_harness import NOON


def test_the_audience_is_exactly_one_of_a_segment_and_a_filter() -> None:
    assert audience_choice("s-1", inline=False) is None
    assert audience_choice(None, inline=True) is None
    assert audience_choice("s-1", inline=True) == (
        "audience",
        "the audience is a segment_id or an inline audience, not both",
    )
    assert audience_choice(None, inline=False) == (
        "segment_id",
        "a campaign needs a segment_id or an inline audience",
    )


@pytest.mark.parametrize(
    ("status", "ready", "starts_in", "starts"),
    [
        (CampaignStatus.SCHEDULED, True, None, True),
        (CampaignStatus.SCHEDULED, True, timedelta(0), True),
        (CampaignStatus.SCHEDULED, True, timedelta(hours=1), False),  # its start is ahead
        (CampaignStatus.SCHEDULED, False, None, False),  # its audience has not arrived
        (CampaignStatus.DRAFT, True, None, False),  # not launched
        (CampaignStatus.PAUSED, True, None, False),  # resume decides
        (CampaignStatus.STOPPED, True, None, False),
    ],
)
def test_a_scheduled_campaign_starts_when_its_start_and_its_audience_have_come(
    status: CampaignStatus, ready: bool, starts_in: timedelta | None, starts: bool
) -> None:
    starts_at = None if starts_in is None else NOON + starts_in
    assert may_start(status, ready, starts_at, NOON) is starts

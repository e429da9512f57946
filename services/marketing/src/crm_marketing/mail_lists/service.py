"""The use case of the mail lists: read a direct-mail campaign's list."""

from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError

from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.service import load
from crm_marketing.mail_lists.models import MailListEntry
from crm_marketing.mail_lists.repository import MailListRepository


class NotAMailCampaignError(ConflictError):
    default_code = "not-a-mail-campaign"


async def mail_list(uow: UnitOfWork, campaign_id: str) -> tuple[Campaign, list[MailListEntry]]:
    """The campaign and its letters written so far (404 unknown, 409 not a mail campaign)."""
    campaign = await load(uow, campaign_id)
    if campaign.channel != MarketingChannel.MAIL:
        raise NotAMailCampaignError(
            f"campaign {campaign_id} goes by {campaign.channel}: only a mail campaign has a "
            "mail list"
        )
    return campaign, await MailListRepository(uow.session).of_campaign(campaign_id)

"""The adapters the sender uses, one per channel, made from the settings (a phone campaign's
"channel" hands call tasks to sales through the sender's events; a mail campaign's writes its
mail list in the service's database)."""

from collections.abc import Callable

from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.db import UnitOfWork

from crm_marketing.channels.base import ChannelAdapter
from crm_marketing.channels.calls import CallTaskChannel
from crm_marketing.channels.email import EmailChannel
from crm_marketing.channels.mail import MailListChannel
from crm_marketing.channels.sms import SmsChannel
from crm_marketing.settings import MarketingSettings


def channels_for(
    settings: MarketingSettings,
    unit_of_work: Callable[[], UnitOfWork],
    clock: Clock = SYSTEM_CLOCK,
) -> dict[MarketingChannel, ChannelAdapter]:
    return {
        MarketingChannel.EMAIL: EmailChannel.from_settings(settings, clock),
        MarketingChannel.SMS: SmsChannel.from_settings(settings),
        MarketingChannel.PHONE: CallTaskChannel(),
        MarketingChannel.MAIL: MailListChannel(unit_of_work),
    }

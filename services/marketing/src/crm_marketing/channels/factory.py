"""The adapters the sender uses, one per channel, made from the settings (a phone campaign's
"channel" hands call tasks to sales through the sender's events; direct-mail lists are yet
to come)."""

from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.contracts.marketing import MarketingChannel

from crm_marketing.channels.base import ChannelAdapter
from crm_marketing.channels.calls import CallTaskChannel
from crm_marketing.channels.email import EmailChannel
from crm_marketing.channels.sms import SmsChannel
from crm_marketing.settings import MarketingSettings


def channels_for(
    settings: MarketingSettings, clock: Clock = SYSTEM_CLOCK
) -> dict[MarketingChannel, ChannelAdapter]:
    return {
        MarketingChannel.EMAIL: EmailChannel.from_settings(settings, clock),
        MarketingChannel.SMS: SmsChannel.from_settings(settings),
        MarketingChannel.PHONE: CallTaskChannel(),
    }

"""The events the marketing service consumes: ``{event type: [handlers]}``.

- every ``crm.customer`` event keeps the customer view up to date (consent, contact
  channels: the guarded transitions of ``crm_shared.views.customer_handlers``);
- analytics' value class of each customer (win-back passes over the low-value ones), and
  who is in which saved segment (the audiences); a member who joins a segment that a launched
  campaign keeps live is enrolled in it; the first evaluation of a campaign's inline audience
  is counted as it arrives, and starts the campaigns waiting on it;
- erasure and merge reach the audiences, the messages and their credits, the mail lists and
  the programmes' states (a merge hands the alias's messages, credits and win-back history
  to the survivor);
- sales' orders are credited to the campaigns that reached the customer before them, and
  move the customer's last purchase for win-back and the check-up reminder.
"""

from crm_shared.bus.handlers import HandlerMap, combine
from crm_shared.contracts.analytics import SegmentMembershipChanged
from crm_shared.views import customer_view_handlers
from crm_shared.views.value_classes import value_class_handlers

from crm_marketing.attribution.handlers import attribution_handlers
from crm_marketing.audiences.handlers import erasure_handlers, membership_projection
from crm_marketing.campaigns.handlers import (
    count_evaluation_joins,
    enrol_live_joiners,
    evaluation_handlers,
)
from crm_marketing.care.handlers import care_handlers
from crm_marketing.customers.view import customer_view
from crm_marketing.db import customer_view_table, value_classes
from crm_marketing.mail_lists.handlers import mail_list_handlers
from crm_marketing.sends.handlers import send_handlers
from crm_marketing.settings import MarketingSettings
from crm_marketing.winback.handlers import winback_handlers


def handlers_for(settings: MarketingSettings) -> HandlerMap:
    """The handlers, those that follow the service's rules bound to ``settings``."""
    return combine(
        customer_view_handlers(customer_view),
        value_class_handlers(value_classes, customer_view_table),
        {
            SegmentMembershipChanged: [
                membership_projection,
                enrol_live_joiners,
                count_evaluation_joins,
            ]
        },
        evaluation_handlers,
        erasure_handlers,
        send_handlers,
        mail_list_handlers,
        attribution_handlers(settings),
        winback_handlers(settings),
        care_handlers(settings),
    )


# With the settings' defaults, for tests and tools that deliver events directly (the app
# binds its own settings: handlers_for).
handlers = handlers_for(MarketingSettings.model_construct())

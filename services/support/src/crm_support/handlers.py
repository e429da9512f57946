"""The events the support service consumes: ``{event type: [handlers]}``.

- every ``crm.customer`` event keeps the customer view up to date (the guarded transitions
  of ``crm_shared.views.customer_handlers``), VIP tag and value class included;
- identity's users and teams say who is on which team and who manages it (escalation);
- analytics' value class (VIP, A, ...) of each customer (a complaint of theirs is major);
- merges and erasures reach every support table (``crm_support.tickets.handlers``);
- sales' orders schedule follow-up calls (``crm_support.follow_ups.handlers``).
"""

from crm_shared.bus.handlers import HandlerMap, combine
from crm_shared.views import customer_view_handlers
from crm_shared.views.team_managers import team_managers_handlers
from crm_shared.views.team_members import team_members_handlers
from crm_shared.views.value_classes import value_class_handlers

from crm_support.customers.view import customer_view
from crm_support.db import customer_view_table, team_managers, team_members, value_classes
from crm_support.follow_ups.handlers import follow_up_handlers
from crm_support.settings import SupportSettings
from crm_support.tickets.handlers import ticket_handlers


def handlers_for(settings: SupportSettings) -> HandlerMap:
    """The handlers, those that follow the service's rules bound to ``settings``."""
    return combine(
        customer_view_handlers(customer_view),
        team_members_handlers(team_members),
        team_managers_handlers(team_managers),
        value_class_handlers(
            value_classes, customer_view_table
        ),  # analytics' value class: VIP / A turn major
        ticket_handlers(),
        follow_up_handlers(settings),  # orders schedule follow-up calls
    )


# With the settings' defaults, for tests and tools that deliver events directly (the app
# binds its own settings: handlers_for).
handlers = handlers_for(SupportSettings.model_construct())

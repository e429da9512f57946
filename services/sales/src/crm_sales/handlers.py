"""The events the sales service consumes: ``{event type: [handlers]}``.

- every ``crm.customer`` event keeps the customer view up to date (the guarded transitions
  of ``crm_shared.views.customer_handlers``);
- identity's users say who is on which team (the manager part of record-level access);
- marketing's responses open leads and its call tasks schedule calls.

The aggregates add theirs below (the customer master's answer to a lead's conversion, a
merge and an erasure reaching every sales table; marketing's responses and call tasks):
leads (``crm_sales.leads.handlers``) and activities (``crm_sales.activities.handlers``).
"""

from crm_shared.bus.handlers import HandlerMap, combine
from crm_shared.views import customer_view_handlers
from crm_shared.views.team_members import team_members_handlers

from crm_sales.activities.handlers import activity_handlers
from crm_sales.customers.view import customer_view
from crm_sales.db import team_members
from crm_sales.leads.handlers import lead_handlers
from crm_sales.opportunities.handlers import opportunity_handlers
from crm_sales.orders.handlers import order_customer_handlers
from crm_sales.settings import SalesSettings


def handlers_for(settings: SalesSettings) -> HandlerMap:
    """The handlers, those that follow the service's rules (scoring, routing, reminders)
    bound to ``settings``."""
    return combine(
        customer_view_handlers(customer_view),
        team_members_handlers(team_members),
        opportunity_handlers,
        lead_handlers(settings),
        activity_handlers(settings),
        order_customer_handlers,  # merges and erasures reach quotes and orders
    )


# With the settings' defaults, for tests and tools that deliver events directly (the app
# binds its own settings: handlers_for).
handlers = handlers_for(SalesSettings.model_construct())

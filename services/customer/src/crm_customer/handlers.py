"""The events the customer master consumes: {event type: handler}.

- identity's users: which team each owner is on, for the manager part of record-level
  access (``crm_shared.auth.access``);
- the sales service's facts (``crm.sales``): converted leads become (or link) customers,
  orders and payments are the receivables credit is rated from and move the lifecycle
  (:mod:`crm_customer.sales_facts`);
- the marketing service's unsubscribes (``crm.marketing``): the channel's consent is
  withdrawn as by hand (:mod:`crm_customer.marketing_facts`).
"""

from crm_shared.bus.handlers import HandlerMap
from crm_shared.views.team_members import team_members_handlers

from crm_customer.db import team_members
from crm_customer.marketing_facts.handlers import marketing_facts_handlers
from crm_customer.sales_facts.handlers import sales_facts_handlers
from crm_customer.settings import CustomerSettings


def handlers_for(settings: CustomerSettings) -> HandlerMap:
    return {
        **team_members_handlers(team_members),
        **sales_facts_handlers(settings),
        **marketing_facts_handlers(),
    }

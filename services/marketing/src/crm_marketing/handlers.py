"""The events the marketing service consumes: {event type: handler}.

Every ``crm.customer`` event keeps the customer view up to date (see
``crm_shared.views.customer_handlers`` for the guarded transitions).
"""

from crm_shared.views import customer_view_handlers

from crm_marketing.customers.view import customer_view

handlers = customer_view_handlers(customer_view)

"""The events the customer master consumes: {event type: handler}.

Only identity's users: which team each owner is on, for the manager part of record-level
access (``crm_shared.auth.access``). It publishes everything else; it consumes nothing else.
"""

from crm_shared.views.team_members import team_members_handlers

from crm_customer.db import team_members

handlers = team_members_handlers(team_members)

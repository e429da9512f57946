"""Views: a service's own read model of another service's data, built from events.

``customer_view``: the customer basics sales, support and marketing keep from
``crm.customer`` (table, repository), ``customer_handlers``: the guarded event handlers,
``customer_routes``: the read-only API. Tests feed a view with the event builders of
``crm_shared.testing``.
"""

from crm_shared.views.customer_handlers import customer_view_handlers
from crm_shared.views.customer_routes import customer_view_router
from crm_shared.views.customer_view import (
    CORE_FIELDS,
    OPTIONAL_FIELDS,
    CustomerView,
    CustomerViewRepository,
    add_customer_view_birth_date,
    add_customer_view_external_id,
    add_customer_view_postal_address,
    add_customer_view_time_zone,
    create_customer_view_sync_index,
    create_customer_view_table,
    define_customer_view_table,
    drop_customer_view_birth_date,
    drop_customer_view_external_id,
    drop_customer_view_postal_address,
    drop_customer_view_sync_index,
    drop_customer_view_table,
    drop_customer_view_time_zone,
)

__all__ = [
    "CORE_FIELDS",
    "OPTIONAL_FIELDS",
    "CustomerView",
    "CustomerViewRepository",
    "add_customer_view_birth_date",
    "add_customer_view_external_id",
    "add_customer_view_postal_address",
    "add_customer_view_time_zone",
    "create_customer_view_sync_index",
    "create_customer_view_table",
    "customer_view_handlers",
    "customer_view_router",
    "define_customer_view_table",
    "drop_customer_view_birth_date",
    "drop_customer_view_external_id",
    "drop_customer_view_postal_address",
    "drop_customer_view_sync_index",
    "drop_customer_view_table",
    "drop_customer_view_time_zone",
]

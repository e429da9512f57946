"""``GET /v1/customers`` and ``GET /v1/customers/{id}``: the view, read-only."""

from crm_shared.views import customer_view_router

from crm_marketing.customers.view import customer_view

router = customer_view_router(customer_view, model_name="MarketingCustomer")

"""Which customer fields the marketing service keeps (the others stay null and are not served)."""

from crm_shared.views import CustomerView

from crm_marketing.db import customer_view_table

# Marketing sends only where consent allows, to the channels it knows, to audiences
# cut by tags and stage; win-back skips credit E and low value and hands VIPs to the
# owner. Company and operating grade are not its business (audiences over firmographic
# data come from the analytics 360 view).
KEPT_FIELDS = frozenset(
    {
        "email",
        "phone",
        "tags",
        "consent",
        "owner",
        "credit_grade",
        "value_class",
        "birth_date",  # birthday greetings
        "postal_address",  # direct mail
        "time_zone",  # quiet hours and greetings in the customer's own zone
    }
)

customer_view = CustomerView(customer_view_table, keeps=KEPT_FIELDS)

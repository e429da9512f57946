"""Which customer fields the support service keeps (the others stay null and are not served)."""

from crm_shared.views import CustomerView

from crm_support.db import customer_view_table

# Support contacts the complainant (within 2 hours), escalates VIPs (the master's "vip"
# tag, or the value class analytics publishes), sees whether the complainant is a
# long-standing customer (lifecycle) and weighs compensation demands against the credit
# grade. Account ownership, operating grade and consent are not its business.
KEPT_FIELDS = frozenset(
    {
        "email",
        "phone",
        "company",
        "credit_grade",
        "value_class",
        "tags",
    }
)

customer_view = CustomerView(customer_view_table, keeps=KEPT_FIELDS)

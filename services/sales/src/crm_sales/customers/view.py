"""Which customer fields the sales service keeps (the others stay null and are not served)."""

from crm_shared.views import CustomerView
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.db import customer_view_table, team_members

# Sales works the account: who owns it, how to reach it, how good its credit and
# operating grades are, and how valuable it is. Marketing consent and tags are not
# its business.
KEPT_FIELDS = frozenset(
    {
        "email",
        "phone",
        "company",
        "owner",
        "credit_grade",
        "operating_grade",
        "value_class",
        "external_id",  # the order history import names customers by it
    }
)

# A rep reaches the customers they own, their teams' and the unowned pool, as in the master.
customer_view = CustomerView(customer_view_table, keeps=KEPT_FIELDS, owners_scoped_by=team_members)


async def surviving_id(session: AsyncSession, customer_id: str) -> str:
    """The id a customer goes by now: the survivor's for an alias this view knows to be
    merged (a merge can overtake the answer to a conversion: they travel on different keys)."""
    row = await customer_view.repository(session).resolve(customer_id)
    return str(row["id"]) if row is not None else customer_id

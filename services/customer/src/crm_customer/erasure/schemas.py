from pydantic import Field

from crm_customer.customers.schemas import Strict


class ErasureIn(Strict):
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="the request this fulfils, e.g. a ticket number; no personal data",
    )

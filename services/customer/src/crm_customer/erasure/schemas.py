from typing import Annotated

from crm_shared.fields import text
from pydantic import Field

from crm_customer.customers.schemas import Strict


class ErasureIn(Strict):
    reason: Annotated[str, text(500)] = Field(
        description="the request this fulfils, e.g. a ticket number; no personal data",
    )

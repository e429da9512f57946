"""The association rules behind the cross-sell suggestions: one row per ordered pair of
products (bought X → also bought Y) over the orders that were not cancelled.

The rows hold products and counts, no personal data: erasure and merges leave them. A
refresh replaces the whole table (the rules are a property of the base, not of a customer).
"""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_analytics.db import Base


class AssociationRule(Base):
    __tablename__ = "association_rules"

    # The key leads with the antecedent: suggestions start from the products a customer bought.
    antecedent: Mapped[str] = mapped_column(String(200), primary_key=True)
    consequent: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Orders holding both products, of all the orders counted by the refresh.
    orders_with_both: Mapped[int] = mapped_column(Integer)
    support: Mapped[float] = mapped_column(Float)  # both / all orders
    confidence: Mapped[float] = mapped_column(Float)  # both / orders with the antecedent
    lift: Mapped[float] = mapped_column(Float)  # confidence / share of orders with the consequent
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)

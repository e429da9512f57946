"""The marketing database (its own metadata, its own database): the platform tables, the view
of the customers (consent and contact channels), what each customer is worth and which saved
segments they are in (both from crm.analytics), and the versioned records.

The customer view comes from its submodule, not from ``crm_shared.views``: that package also
carries the view's HTTP router, and the models (which import this module) must not reach the
HTTP edge (import-linter's domain-without-http)."""

from crm_shared.db import NAMING_CONVENTION, define_platform_tables
from crm_shared.db.versioned import FIRST_VERSION, Versioned, count_rows
from crm_shared.views.customer_view import define_customer_view_table
from crm_shared.views.value_classes import define_value_classes_table
from sqlalchemy import MetaData, Numeric
from sqlalchemy.orm import DeclarativeBase

__all__ = [
    "FIRST_VERSION",
    "Base",
    "Money",
    "Versioned",
    "count_rows",
    "customer_view_table",
    "platform_tables",
    "value_classes",
]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Budgets, costs and attributed revenue, to the cent.
Money = Numeric(14, 2)

platform_tables = define_platform_tables(Base.metadata)
# With the birth date (the birthday greetings of the care programmes), the postal address
# (direct mail) and the customer's time zone (quiet hours and greetings on their own clock).
customer_view_table = define_customer_view_table(
    Base.metadata, birth_date=True, postal_address=True, time_zone=True
)
# What each customer is worth (crm.analytics): win-back passes over the low-value ones and
# hands VIPs to their owner.
value_classes = define_value_classes_table(Base.metadata)

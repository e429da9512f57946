"""The sales database (its own metadata, its own database): the platform tables, the view of
the customers, who is on which team (for record-level access), and the versioned records.

The customer view comes from its submodule, not from ``crm_shared.views``: that package also
carries the view's HTTP router, and the models (which import this module) must not reach the
HTTP edge (import-linter's domain-without-http)."""

from crm_shared.db import NAMING_CONVENTION, define_platform_tables
from crm_shared.db.versioned import FIRST_VERSION, Versioned, count_rows
from crm_shared.views.customer_view import define_customer_view_table
from crm_shared.views.team_members import define_team_members_table
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
    "team_members",
]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Amounts in a record's currency, to the cent; quantities and shares get their own scale.
Money = Numeric(14, 2)

platform_tables = define_platform_tables(Base.metadata)
# With the customers' external ids: the order history import resolves customer_external_id.
customer_view_table = define_customer_view_table(Base.metadata, external_id=True)
# Which team each owner is on (from crm.identity), for the manager part of record access.
team_members = define_team_members_table(Base.metadata)

"""The declarative base of the customer database (its own metadata, its own database), and
the version column that guards every record clients update."""

from crm_shared.db import NAMING_CONVENTION, define_platform_tables
from crm_shared.db.versioned import FIRST_VERSION, Versioned, count_rows
from crm_shared.views.team_members import define_team_members_table
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

__all__ = ["FIRST_VERSION", "Base", "Versioned", "count_rows", "platform_tables", "team_members"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


platform_tables = define_platform_tables(Base.metadata)
# Which team each owner is on (from crm.identity), for the manager part of record access.
team_members = define_team_members_table(Base.metadata)

"""The marketing service's tables: the platform tables and its view of the customers."""

from crm_shared.db import NAMING_CONVENTION, define_platform_tables
from crm_shared.views import define_customer_view_table
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


platform_tables = define_platform_tables(Base.metadata)
customer_view_table = define_customer_view_table(Base.metadata)

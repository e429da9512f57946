"""The declarative base of the customer database (its own metadata, its own database)."""

from crm_shared.db import NAMING_CONVENTION, define_platform_tables
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


platform_tables = define_platform_tables(Base.metadata)

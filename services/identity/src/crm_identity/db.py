"""The declarative base of the identity database (its own metadata, its own database), and
the version column that guards every record admins update."""

from datetime import datetime

from crm_shared.db import NAMING_CONVENTION, UTCDateTime, define_platform_tables
from crm_shared.db.versioned import FIRST_VERSION, count_rows
from crm_shared.db.versioned import Versioned as _Versioned
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["FIRST_VERSION", "Base", "Versioned", "count_rows", "platform_tables"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned(_Versioned):
    """A versioned record (crm_shared.db.versioned) that also says when it was created."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


platform_tables = define_platform_tables(Base.metadata)

"""Alembic environment of the sales service (migrations run from code, at start-up)."""

from crm_sales.db import Base
from crm_shared.db import run_alembic_env

run_alembic_env(Base.metadata)

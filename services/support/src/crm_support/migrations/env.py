"""Alembic environment of the support service (migrations run from code, at start-up)."""

from crm_shared.db import run_alembic_env
from crm_support.db import Base

run_alembic_env(Base.metadata)

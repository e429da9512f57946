"""Alembic environment of the marketing service (migrations run from code, at start-up)."""

from crm_marketing.db import Base
from crm_shared.db import run_alembic_env

run_alembic_env(Base.metadata)

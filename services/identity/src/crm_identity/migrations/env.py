"""Alembic environment of the identity service (migrations run from code, at start-up)."""

from crm_identity.models import Base
from crm_shared.db import run_alembic_env

run_alembic_env(Base.metadata)

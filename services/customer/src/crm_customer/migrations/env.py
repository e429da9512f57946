from crm_customer.models import Base
from crm_shared.db.migrations import run_alembic_env

run_alembic_env(Base.metadata)

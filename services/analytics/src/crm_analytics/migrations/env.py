import crm_analytics.profiles.models
import crm_analytics.timeline.models  # noqa: F401  (registers the tables on Base.metadata)
from crm_analytics.db import Base
from crm_shared.db import run_alembic_env

run_alembic_env(Base.metadata)

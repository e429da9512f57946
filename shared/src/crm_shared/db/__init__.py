from crm_shared.db.engine import create_engine, is_postgres, is_sqlite
from crm_shared.db.migrations import (
    create_platform_tables,
    drop_platform_tables,
    run_alembic_env,
    upgrade_to_head,
)
from crm_shared.db.model import NAMING_CONVENTION, UTCDateTime, table_of, utcnow
from crm_shared.db.platform_tables import PlatformTables, define_platform_tables
from crm_shared.db.repository import RepositoryBase
from crm_shared.db.uow import UnitOfWork

__all__ = [
    "NAMING_CONVENTION",
    "PlatformTables",
    "RepositoryBase",
    "UTCDateTime",
    "UnitOfWork",
    "create_engine",
    "create_platform_tables",
    "define_platform_tables",
    "drop_platform_tables",
    "is_postgres",
    "is_sqlite",
    "run_alembic_env",
    "table_of",
    "upgrade_to_head",
    "utcnow",
]

"""The identity service: platform tables, timers, teams, users, partner clients, signing keys.

Revision ID: 0001
Revises:
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_shared.db import UTCDateTime, create_platform_tables, drop_platform_tables
from crm_shared.db.migrations import create_timers_table, drop_timers_table

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    ]


def upgrade() -> None:
    create_platform_tables(op)
    create_timers_table(op)
    op.create_table(
        "teams",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("manager_id", sa.String(36)),
        *_versioned(),
        sa.UniqueConstraint("name", name="uq_teams_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column(
            "team_id",
            sa.String(36),
            sa.ForeignKey("teams.id", ondelete="SET NULL", name="fk_users_team_id_teams"),
        ),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.String(200)),
        *_versioned(),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_index("ix_users_team_id", "users", ["team_id"])
    op.create_table(
        "partner_clients",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        *_versioned(),
    )
    op.create_index("ix_partner_clients_owner_id", "partner_clients", ["owner_id"])
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_key_pem", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("activated_at", UTCDateTime, nullable=False),
        sa.Column("retired_at", UTCDateTime),
    )
    op.create_index("ix_signing_keys_activated_at", "signing_keys", ["activated_at"])


def downgrade() -> None:
    op.drop_table("signing_keys")
    op.drop_table("partner_clients")
    op.drop_table("users")
    op.drop_table("teams")
    drop_timers_table(op)
    drop_platform_tables(op)

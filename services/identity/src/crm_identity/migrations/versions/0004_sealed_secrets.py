"""Secrets at rest: the columns that held the signing keys' private PEM and the webhook
signing secrets in clear now hold them sealed (crm_identity.sealing), and say so.

The migration moves the values as they are: it has no key to seal them with (the key is a
setting of the running service, generated in development). The service seals every value
still in clear at its next start, right after this migration, in the bootstrap; the prefix
``enc:v1:`` tells a sealed value from one in clear.

A downgrade gives the columns their old names back, but the values stay sealed, which the
previous release cannot read: restore a backup taken before the upgrade instead.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rename_and_widen(table: str, old: str, new: str, existing_type: sa.types.TypeEngine) -> None:
    """``old`` becomes ``new``, of type TEXT (a sealed value is longer than the clear one)."""
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            table,
            old,
            new_column_name=new,
            type_=sa.Text(),
            existing_type=existing_type,
            existing_nullable=False,
        )
        return
    # SQLite cannot change a column's type in place, and rebuilding the table (batch mode)
    # would drop it, which deletes the deliveries through their ON DELETE CASCADE: add the
    # new column, copy, drop the old one (SQLite 3.35+). The empty default exists only
    # because SQLite adds no NOT NULL column without one; every insert names the column.
    op.add_column(table, sa.Column(new, sa.Text(), nullable=False, server_default=""))
    op.execute(sa.text(f"UPDATE {table} SET {new} = {old}"))
    op.drop_column(table, old)


def upgrade() -> None:
    op.alter_column("signing_keys", "private_key_pem", new_column_name="sealed_private_key")
    _rename_and_widen("webhook_subscriptions", "secret", "sealed_secret", sa.String(100))


def downgrade() -> None:
    _rename_and_widen("webhook_subscriptions", "sealed_secret", "secret", sa.Text())
    op.alter_column("signing_keys", "sealed_private_key", new_column_name="private_key_pem")

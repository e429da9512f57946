"""A message's responses: the first of any kind, a form's and a reply's (each once per
message), and the text the customer wrote in them (personal data: erasure clears it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("responded_at", UTCDateTime),
    ("form_answered_at", UTCDateTime),
    ("replied_at", UTCDateTime),
    ("form_comment", sa.Text),
    ("reply_text", sa.Text),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("campaign_messages", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_messages") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)

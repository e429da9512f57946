"""Tickets with their targets and history, crisis alerts, service recovery, follow-up
surveys, and who is on which team and who manages it (escalation).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from crm_shared.views.team_members import create_team_members_table, drop_team_members_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "crisis_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("about", sa.String(length=260), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("ticket_ids", sa.JSON(), nullable=False),
        sa.Column("raised_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_alerts")),
    )
    op.create_index(op.f("ix_crisis_alerts_about"), "crisis_alerts", ["about"], unique=False)
    op.create_table(
        "team_managers",
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("manager_id", sa.String(length=100), nullable=True),
        sa.Column("team_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_managers")),
    )
    create_team_members_table(op)
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=60), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("resume_status", sa.String(length=32), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("grievance", sa.Boolean(), nullable=False),
        sa.Column("was_grievance", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occurred_at", UTCDateTime, nullable=True),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("staff_involved", sa.String(length=100), nullable=True),
        sa.Column("real_cause", sa.Text(), nullable=True),
        sa.Column("desired_resolution", sa.Text(), nullable=True),
        sa.Column("demand_reasonable", sa.Boolean(), nullable=True),
        sa.Column("long_standing", sa.Boolean(), nullable=True),
        sa.Column("complainant_type", sa.String(length=20), nullable=True),
        sa.Column("complainant_profile", sa.String(length=30), nullable=True),
        sa.Column("intensity", sa.String(length=10), nullable=True),
        sa.Column("compensation_demanded", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("actual_loss", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("inconsistent_answers", sa.Boolean(), nullable=False),
        sa.Column("received_by", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=True),
        sa.Column("manager", sa.String(length=100), nullable=True),
        sa.Column("senior", sa.String(length=100), nullable=True),
        sa.Column("decision_maker", sa.String(length=100), nullable=True),
        sa.Column("follow_up_officer", sa.String(length=100), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("major", sa.Boolean(), nullable=False),
        sa.Column("major_reasons", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.Column("handovers", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("first_contact_at", UTCDateTime, nullable=True),
        sa.Column("resolved_at", UTCDateTime, nullable=True),
        sa.Column("closed_at", UTCDateTime, nullable=True),
        sa.Column("signed_off_by", sa.String(length=100), nullable=True),
        sa.Column("lessons_learned", sa.Text(), nullable=True),
        sa.Column("clock_consumed_seconds", sa.Float(), nullable=False),
        sa.Column("clock_running_since", UTCDateTime, nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    op.create_index(
        "ix_tickets_cause_received_at", "tickets", ["cause", "received_at"], unique=False
    )
    op.create_index(op.f("ix_tickets_customer_id"), "tickets", ["customer_id"], unique=False)
    op.create_index(
        "ix_tickets_customer_id_category",
        "tickets",
        ["customer_id", "category", "received_at"],
        unique=False,
    )
    op.create_index(op.f("ix_tickets_owner"), "tickets", ["owner"], unique=False)
    op.create_index(op.f("ix_tickets_product"), "tickets", ["product"], unique=False)
    op.create_index(
        "ix_tickets_status_received_at", "tickets", ["status", "received_at"], unique=False
    )
    op.create_table(
        "recoveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("approved_by", sa.String(length=100), nullable=False),
        sa.Column("over_limit", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_recoveries_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recoveries")),
    )
    op.create_index(op.f("ix_recoveries_customer_id"), "recoveries", ["customer_id"], unique=False)
    op.create_index(op.f("ix_recoveries_recorded_at"), "recoveries", ["recorded_at"], unique=False)
    op.create_index(op.f("ix_recoveries_ticket_id"), "recoveries", ["ticket_id"], unique=False)
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("questionnaire_version", sa.Integer(), nullable=False),
        sa.Column("answered_by", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", UTCDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_surveys_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_surveys_ticket_id")),
    )
    op.create_index(op.f("ix_surveys_answered_at"), "surveys", ["answered_at"], unique=False)
    op.create_index(op.f("ix_surveys_customer_id"), "surveys", ["customer_id"], unique=False)
    op.create_table(
        "ticket_history",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_history_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_history")),
    )
    op.create_index(
        op.f("ix_ticket_history_ticket_id"), "ticket_history", ["ticket_id"], unique=False
    )
    op.create_table(
        "ticket_targets",
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("start_reading", sa.Float(), nullable=False),
        sa.Column("budget_seconds", sa.Float(), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=True),
        sa.Column("at_risk_at", UTCDateTime, nullable=True),
        sa.Column("met_at", UTCDateTime, nullable=True),
        sa.Column("breached_at", UTCDateTime, nullable=True),
        sa.Column("breached_due_at", UTCDateTime, nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_targets_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "target", name=op.f("pk_ticket_targets")),
    )
    op.create_index(op.f("ix_ticket_targets_due_at"), "ticket_targets", ["due_at"], unique=False)
    op.create_table(
        "survey_answers",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("survey_id", sa.String(length=36), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_answers_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    op.create_index(
        op.f("ix_survey_answers_survey_id"), "survey_answers", ["survey_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("survey_answers")
    op.drop_table("ticket_targets")
    op.drop_table("ticket_history")
    op.drop_table("surveys")
    op.drop_table("recoveries")
    op.drop_table("tickets")
    op.drop_table("team_managers")
    op.drop_table("crisis_alerts")
    drop_team_members_table(op)

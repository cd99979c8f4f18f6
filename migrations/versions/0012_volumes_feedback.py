"""volumes and feedback: business-time durations to acknowledge and resolve (the KPIs' business-time
variants), service volumes and errors per day (the error rate), customer satisfaction responses (CSAT)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqmsbot.models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("ack_business_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resolve_business_seconds", sa.Integer(), nullable=True))

    op.create_table(
        "service_volumes",
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=True),
        sa.Column("starts_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("volume >= 0", name=op.f("ck_service_volumes_volume_not_negative")),
        sa.CheckConstraint(
            "errors IS NULL OR (errors >= 0 AND errors <= volume)",
            name=op.f("ck_service_volumes_errors_within_volume"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["people.id"], name=op.f("fk_service_volumes_recorded_by_id_people")
        ),
        sa.PrimaryKeyConstraint("service", "day", name=op.f("pk_service_volumes")),
    )
    op.create_index("ix_service_volumes_day", "service_volumes", ["day"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score >= 1 AND score <= 5", name=op.f("ck_feedback_score_1_to_5")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_feedback_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_feedback_person_id_people")),
        sa.PrimaryKeyConstraint("incident_id", "person_id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_at", "feedback", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_feedback_at", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_service_volumes_day", table_name="service_volumes")
    op.drop_table("service_volumes")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("resolve_business_seconds")
        batch.drop_column("ack_business_seconds")

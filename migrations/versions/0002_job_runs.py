"""job runs: exactly-once claims on scheduled job periods

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:54:07.197055
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqmsbot.models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("period_key", sa.String(length=200), nullable=False),
        sa.Column("scheduled_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=False),
        sa.Column("lease_until", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "period_key", name=op.f("uq_job_runs_job_period_key")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index("ix_job_runs_status_scheduled_at", ["status", "scheduled_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_status_scheduled_at")

    op.drop_table("job_runs")

"""sla: commitment clocks per incident target, and their due-time moves

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 23:54:36.800068
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqmsbot.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_target_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("from_due", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("to_due", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_target_moves_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_target_moves")),
    )
    with op.batch_alter_table("incident_target_moves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_target_moves_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("calendar", sa.String(length=32), nullable=False),
        sa.Column("target_seconds", sa.Integer(), nullable=False),
        sa.Column("started_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("met_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checkpoints", sa.JSON(), nullable=False),
        sa.Column("fired", sa.JSON(), nullable=False),
        sa.Column("next_check_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_targets_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_targets")),
        sa.UniqueConstraint("incident_id", "target", name=op.f("uq_incident_targets_incident_id_target")),
    )
    with op.batch_alter_table("incident_targets", schema=None) as batch_op:
        batch_op.create_index("ix_incident_targets_next_check_at", ["next_check_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_targets_next_check_at")

    op.drop_table("incident_targets")
    with op.batch_alter_table("incident_target_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_target_moves_incident_id"))

    op.drop_table("incident_target_moves")

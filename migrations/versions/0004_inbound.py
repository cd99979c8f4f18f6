"""inbound requests: acknowledged chat requests waiting for the worker

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 00:10:41.930075
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqmsbot.models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_requests")),
        sa.UniqueConstraint("request_key", name=op.f("uq_inbound_requests_request_key")),
    )
    with op.batch_alter_table("inbound_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_requests_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_requests_status_next_attempt_at")

    op.drop_table("inbound_requests")

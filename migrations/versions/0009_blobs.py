"""blobs: the files messages carry (a PNG chart, a CSV export), stored once by content, and which
outbox rows show them (also where a platform's uploaded copy is remembered)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqmsbot.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blobs_used_at"), ["used_at"], unique=False)

    op.create_table(
        "message_blobs",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("blob", sa.String(length=64), nullable=False),
        sa.Column("remote_id", sa.String(length=128), nullable=True),
        sa.Column("remote_url", sa.Text(), nullable=True),
        sa.Column("uploaded_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["blob"], ["blobs.sha256"], name=op.f("fk_message_blobs_blob_blobs")),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_message_blobs_outbox_id_outbox"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("outbox_id", "blob", name=op.f("pk_message_blobs")),
    )
    with op.batch_alter_table("message_blobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_blobs_blob"), ["blob"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_blobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_blobs_blob"))
    op.drop_table("message_blobs")
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blobs_used_at"))
    op.drop_table("blobs")

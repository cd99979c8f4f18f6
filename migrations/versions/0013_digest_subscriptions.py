"""digest subscriptions: who asked for a private copy of a department's morning digest
(/kpi subscribe)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqmsbot.models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_subscriptions",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("created_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_digest_subscriptions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "department", name=op.f("pk_digest_subscriptions")),
    )
    with op.batch_alter_table("digest_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_subscriptions_department"), ["department"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("digest_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_subscriptions_department"))
    op.drop_table("digest_subscriptions")

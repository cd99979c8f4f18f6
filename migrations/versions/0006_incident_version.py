"""compare-and-set incidents (version), duplicates, people's working hours, stored runtime values

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqmsbot.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_incidents_duplicate_of_id"), ["duplicate_of_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_incidents_duplicate_of_id_incidents"), "incidents", ["duplicate_of_id"], ["id"]
        )
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("working_hours", sa.String(length=32), nullable=True))
    op.create_table(
        "stored_values",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_values")),
    )


def downgrade() -> None:
    op.drop_table("stored_values")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("working_hours")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint(batch.f("fk_incidents_duplicate_of_id_incidents"), type_="foreignkey")
        batch.drop_index(batch.f("ix_incidents_duplicate_of_id"))
        batch.drop_column("duplicate_of_id")
        batch.drop_column("version")

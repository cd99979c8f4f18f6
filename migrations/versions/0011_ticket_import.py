"""ticket import: incidents remember the system and id they came from, so re-importing a file changes
nothing

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("external_system", sa.String(16), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_incidents_external", ["external_system", "external_id"])


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint("uq_incidents_external", type_="unique")
        batch.drop_column("external_id")
        batch.drop_column("external_system")

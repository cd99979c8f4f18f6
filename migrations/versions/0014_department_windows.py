"""department windows: commitment clocks carry their incident's department, and incidents and clocks
are indexed by department first, so one department's window is read without the others' or the
history's rows (the morning digest of 50 departments over years of incidents)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TARGET_INDEXES = {
    "ix_incident_targets_department_met_at": ["department", "met_at"],
    "ix_incident_targets_department_due_at": ["department", "due_at"],
    "ix_incident_targets_department_breached_at": ["department", "breached_at"],
}
INCIDENT_INDEXES = {
    "ix_incidents_department_reported_at": ["department", "reported_at"],
    "ix_incidents_department_resolved_at": ["department", "resolved_at"],
}


def upgrade() -> None:
    with op.batch_alter_table("incident_targets") as batch:
        batch.add_column(sa.Column("department", sa.String(32), nullable=True))
    op.execute(
        "UPDATE incident_targets SET department = "
        "(SELECT incidents.department FROM incidents WHERE incidents.id = incident_targets.incident_id)"
    )
    with op.batch_alter_table("incident_targets") as batch:
        batch.alter_column("department", existing_type=sa.String(32), nullable=False)
        for name, columns in TARGET_INDEXES.items():
            batch.create_index(name, columns, unique=False)
    with op.batch_alter_table("incidents") as batch:
        for name, columns in INCIDENT_INDEXES.items():
            batch.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for name in INCIDENT_INDEXES:
            batch.drop_index(name)
    with op.batch_alter_table("incident_targets") as batch:
        for name in TARGET_INDEXES:
            batch.drop_index(name)
        batch.drop_column("department")

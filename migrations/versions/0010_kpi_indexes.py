"""kpi indexes: the period windows the KPI engine reads (reported, resolved, closed; timeline events by
kind and instant; commitment clocks by met, due and breach instant), so a report's cost is set by the
window, not by years of history

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = {
    "incidents": [
        ("ix_incidents_reported_at", ["reported_at"]),
        ("ix_incidents_resolved_at", ["resolved_at"]),
        ("ix_incidents_closed_at", ["closed_at"]),
    ],
    "incident_events": [("ix_incident_events_kind_at", ["kind", "at"])],
    "incident_targets": [
        ("ix_incident_targets_met_at", ["met_at"]),
        ("ix_incident_targets_due_at", ["due_at"]),
        ("ix_incident_targets_breached_at", ["breached_at"]),
    ],
}


def upgrade() -> None:
    for table, indexes in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns in indexes:
                batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, indexes in reversed(INDEXES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _ in reversed(indexes):
                batch_op.drop_index(name)

"""accountability: records drafted on a breach, and their append-only events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:20:37.186168
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sqmsbot.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accountability_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason_key", sa.String(length=40), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=True),
        sa.Column("evidence_kind", sa.String(length=16), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(length=16), nullable=True),
        sa.Column("evidence_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_accountability_records_created_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_accountability_records_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["people.id"], name=op.f("fk_accountability_records_subject_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_records")),
        sa.UniqueConstraint(
            "evidence_kind",
            "incident_id",
            "target",
            name=op.f("uq_accountability_records_evidence_kind_incident_id_target"),
        ),
    )
    with op.batch_alter_table("accountability_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accountability_records_department"), ["department"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_accountability_records_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "accountability_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sqmsbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_accountability_events_actor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["accountability_records.id"],
            name=op.f("fk_accountability_events_record_id_accountability_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_events")),
    )
    with op.batch_alter_table("accountability_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accountability_events_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("accountability_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountability_events_record_id"))

    op.drop_table("accountability_events")
    with op.batch_alter_table("accountability_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountability_records_subject_id"))
        batch_op.drop_index(batch_op.f("ix_accountability_records_department"))

    op.drop_table("accountability_records")

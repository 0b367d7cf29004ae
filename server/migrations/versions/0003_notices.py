"""process notices (流程通知书), case-management exports per case, analysis facts per case

Revision ID: 0003_notices
Revises: 0002
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_notices"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("case_pk", sa.Integer(), sa.ForeignKey("checked_cases.id", ondelete="SET NULL"), nullable=True),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("batch_seq", sa.Integer(), nullable=True),
        sa.Column("finding_idx", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(80), nullable=False),
        sa.Column("case_number", sa.String(200), nullable=False),
        sa.Column("handler", sa.String(64), nullable=False),
        sa.Column("handler_user", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("remedy", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("replied_by", sa.String(64), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=False),
        sa.UniqueConstraint("number", name="uq_process_notices_number"),
        sa.UniqueConstraint("source_key", name="uq_process_notices_source_key"),
    )
    for col in ("case_pk", "batch_id", "rule_id", "handler_user", "department", "state", "issued_at"):
        op.create_index(f"ix_process_notices_{col}", "process_notices", [col])
    op.create_table(
        "case_exports",
        sa.Column("case_pk", sa.Integer(), sa.ForeignKey("checked_cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "case_facts",
        sa.Column("case_pk", sa.Integer(), sa.ForeignKey("checked_cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("case_number", sa.String(200), nullable=True),
        sa.Column("charge", sa.String(64), nullable=True),
        sa.Column("court", sa.String(128), nullable=True),
        sa.Column("month", sa.String(7), nullable=True),
        sa.Column("handler", sa.String(64), nullable=True),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in
          ("rec_fixed", "rec_fixed_adopted", "rec_range", "rec_range_adopted")),
        sa.Column("charge_mismatch", sa.Integer(), nullable=True),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in ("plea", "returns", "extensions", "events", "conflicts")),
    )
    for col in ("charge", "court", "month"):
        op.create_index(f"ix_case_facts_{col}", "case_facts", [col])


def downgrade() -> None:
    op.drop_table("case_facts")
    op.drop_table("case_exports")
    op.drop_table("process_notices")

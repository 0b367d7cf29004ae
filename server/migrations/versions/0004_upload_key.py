"""checked_cases.upload_key: one row per person and set of documents, enforced by the database

Revision ID: 0004_upload_key
Revises: 0003_notices
Create Date: 2026-12-07

Rows made before this revision keep a NULL key (NULLs never collide in a unique constraint on
SQLite or PostgreSQL); ``server.services.find_duplicate`` still compares their texts.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_upload_key"
down_revision = "0003_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checked_cases") as batch:
        batch.add_column(sa.Column("upload_key", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_checked_cases_owner_upload_key", ["owner", "upload_key"])


def downgrade() -> None:
    with op.batch_alter_table("checked_cases") as batch:
        batch.drop_constraint("uq_checked_cases_owner_upload_key", type_="unique")
        batch.drop_column("upload_key")

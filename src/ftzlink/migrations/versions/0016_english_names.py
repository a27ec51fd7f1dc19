"""English names, where given, for organisations and for the projects applied for: optional
columns beside the Chinese names, which stay authoritative.

Self-contained (two nullable columns, nothing else), so that it can take another number if
another revision 0016 lands first.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("name_en", sa.String(length=200), nullable=True))
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("project_name_en", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("project_name_en")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("name_en")

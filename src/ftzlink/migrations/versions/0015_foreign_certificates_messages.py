"""Representative offices' certificates (登记证, 代表证) and messages: the new kinds are allowed by
the CHECK constraints of `certificates`, `messages` and `message_preferences`.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_CERTIFICATES = (
    "'grant-approval', 'work-permit', 'residence-permit', 'port-visa-invitation', 'transfer'"
)
_CERTIFICATES_NEW = _CERTIFICATES + ", 'foreign-office-registration', 'foreign-office-card'"
_MESSAGES = (
    "'application_returned', 'application_approved', 'application_rejected', 'offer', "
    "'talent_returned', 'talent_decided', 'filing_returned', 'dataflow_reminder', "
    "'permit_expiring'"
)
_MESSAGES_NEW = (
    _MESSAGES + ", 'foreign_filing_submitted', 'foreign_filing_returned', "
    "'foreign_filing_decided', 'foreign_reminder', 'foreign_correction'"
)


def _replace(table: str, kinds: str) -> None:  # SQLite: batch mode copies the table
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_known_kind"), type_="check")
        batch.create_check_constraint("known_kind", f"kind IN ({kinds})")


def upgrade() -> None:
    _replace("certificates", _CERTIFICATES_NEW)
    _replace("messages", _MESSAGES_NEW)
    _replace("message_preferences", _MESSAGES_NEW)


def downgrade() -> None:
    _replace("message_preferences", _MESSAGES)
    _replace("messages", _MESSAGES)
    _replace("certificates", _CERTIFICATES)

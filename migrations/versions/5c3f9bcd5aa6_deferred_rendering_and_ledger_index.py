"""deferred rendering (a JSON context on outbox messages) and a ledger index for the sweeps

Revision ID: 5c3f9bcd5aa6
Revises: efdab548bba3
Create Date: 2026-11-23 15:42:39.980421

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c3f9bcd5aa6"
down_revision = "efdab548bba3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=True))
    with op.batch_alter_table("notification_ledger", schema=None) as batch_op:
        batch_op.create_index("ix_notification_ledger_subject_stage", ["subject", "stage"])


def downgrade():
    with op.batch_alter_table("notification_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_ledger_subject_stage")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("context")

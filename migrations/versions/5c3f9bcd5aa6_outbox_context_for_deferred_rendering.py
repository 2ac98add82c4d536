"""outbox messages keep a JSON context when their rendering is deferred to the dispatcher

Revision ID: 5c3f9bcd5aa6
Revises: 23bcce5f6751
Create Date: 2026-11-23 15:42:39.980421

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c3f9bcd5aa6"
down_revision = "23bcce5f6751"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("context")

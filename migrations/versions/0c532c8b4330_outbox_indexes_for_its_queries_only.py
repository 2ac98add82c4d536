"""outbox keeps only the indexes its queries use; the claim token index covers claimed rows only

Every outbox index is paid on each row a sweep queues (thousands at once). Nothing queries
outbox messages by kind or by creation time, so those two indexes go. The claim token is set
only while a dispatcher holds a message; a partial index on it stays tiny and costs a new row
nothing, and `claim_token = :token` still uses it.

Autogenerate found the two removed indexes; the claim token index was changed by hand
(Alembic does not compare index predicates).

Revision ID: 0c532c8b4330
Revises: 58414f111931
Create Date: 2026-11-23 18:06:21.349531

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0c532c8b4330"
down_revision = "58414f111931"
branch_labels = None
depends_on = None

CLAIMED = sa.text("claim_token IS NOT NULL")


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_created_at")
        batch_op.drop_index("ix_outbox_messages_kind")
        batch_op.drop_index("ix_outbox_messages_claim_token")
        batch_op.create_index(
            "ix_outbox_messages_claim_token",
            ["claim_token"],
            postgresql_where=CLAIMED,
            sqlite_where=CLAIMED,
        )


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_claim_token")
        batch_op.create_index("ix_outbox_messages_claim_token", ["claim_token"])
        batch_op.create_index("ix_outbox_messages_kind", ["kind"])
        batch_op.create_index("ix_outbox_messages_created_at", ["created_at"])

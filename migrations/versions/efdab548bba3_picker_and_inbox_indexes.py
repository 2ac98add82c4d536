"""index bottlenecks by title (road block and agenda pickers) and escalations by party and
deadline (the inbox without a status filter)

Revision ID: efdab548bba3
Revises: f6700ae1cdda
Create Date: 2026-11-23 16:26:36.981084

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'efdab548bba3'
down_revision = 'f6700ae1cdda'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bottlenecks', schema=None) as batch_op:
        batch_op.create_index('ix_bottlenecks_block_title', ['building_block_id', 'title'], unique=False)
        batch_op.create_index('ix_bottlenecks_title', ['title'], unique=False)

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index('ix_escalations_party_due', ['party_id', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_escalations_party_due')

    with op.batch_alter_table('bottlenecks', schema=None) as batch_op:
        batch_op.drop_index('ix_bottlenecks_title')
        batch_op.drop_index('ix_bottlenecks_block_title')

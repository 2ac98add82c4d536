"""index every bottleneck column the overview's one pass reads, led by created_at (an
index-only scan of the period instead of the table)

Revision ID: 62cc83b9edc2
Revises: 0e2458895b6d
Create Date: 2026-11-23 18:09:21.956918

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '62cc83b9edc2'
down_revision = '0e2458895b6d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bottlenecks', schema=None) as batch_op:
        batch_op.create_index(
            'ix_bottlenecks_overview',
            ['created_at', 'is_confidential', 'merged_into_id', 'building_block_id', 'status',
             'dsv_id', 'id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('bottlenecks', schema=None) as batch_op:
        batch_op.drop_index('ix_bottlenecks_overview')

"""bottleneck followers: people told about every step of a bottleneck's escalations

Revision ID: f48a7c8b6e79
Revises: 23bcce5f6751
Create Date: 2026-11-23 15:39:43.985794

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f48a7c8b6e79'
down_revision = '23bcce5f6751'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bottleneck_followers',
    sa.Column('bottleneck_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bottleneck_id'], ['bottlenecks.id'], name=op.f('fk_bottleneck_followers_bottleneck_id_bottlenecks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bottleneck_followers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('bottleneck_id', 'user_id', name=op.f('pk_bottleneck_followers'))
    )
    with op.batch_alter_table('bottleneck_followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bottleneck_followers_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('bottleneck_followers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bottleneck_followers_user_id'))

    op.drop_table('bottleneck_followers')

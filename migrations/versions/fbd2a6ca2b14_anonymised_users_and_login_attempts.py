"""anonymised users (AVG deletion keeps a pseudonym) and failed sign-in attempts

Revision ID: fbd2a6ca2b14
Revises: f48a7c8b6e79
Create Date: 2026-11-23 15:41:17.863922

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fbd2a6ca2b14'
down_revision = 'f48a7c8b6e79'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        # The per-account and per-address counts, and the retention sweep's prune.
        batch_op.create_index('ix_login_attempts_email_at', ['email', 'created_at'], unique=False)
        batch_op.create_index('ix_login_attempts_address_at', ['address', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')

    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_created_at'))
        batch_op.drop_index('ix_login_attempts_address_at')
        batch_op.drop_index('ix_login_attempts_email_at')

    op.drop_table('login_attempts')

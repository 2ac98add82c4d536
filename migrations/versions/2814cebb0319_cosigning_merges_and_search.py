"""co-signatures, merges of duplicates, and full-text search indexes on PostgreSQL

Revision ID: 2814cebb0319
Revises: a87eb0ec1994
Create Date: 2026-11-23 15:01:36.029024

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2814cebb0319'
down_revision = 'a87eb0ec1994'
branch_labels = None
depends_on = None

# Full-text search (Dutch stemming) and trigram similarity for the similar-suggestion lookup,
# PostgreSQL only (SQLite uses a simpler LIKE fallback). The tsvector is a stored generated
# column, so ranking thousands of matches reads it instead of re-parsing every text.
# migrations/env.py keeps these out of `db check`: the models do not map them.
SEARCH_TABLES = ("bottlenecks", "road_blocks")


def _create_search(table):
    op.execute(
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('dutch', title || ' ' || description)) STORED"
    )
    op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)")
    op.execute(f"CREATE INDEX ix_{table}_title_trgm ON {table} USING gin (title gin_trgm_ops)")


def upgrade():
    op.create_table('cosignatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bottleneck_id', sa.Integer(), nullable=True),
    sa.Column('road_block_id', sa.Integer(), nullable=True),
    sa.Column('dsv_id', sa.Integer(), nullable=False),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(bottleneck_id IS NULL) <> (road_block_id IS NULL)', name=op.f('ck_cosignatures_one_subject')),
    sa.ForeignKeyConstraint(['bottleneck_id'], ['bottlenecks.id'], name=op.f('fk_cosignatures_bottleneck_id_bottlenecks')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cosignatures_created_by_id_users')),
    sa.ForeignKeyConstraint(['dsv_id'], ['dsvs.id'], name=op.f('fk_cosignatures_dsv_id_dsvs')),
    sa.ForeignKeyConstraint(['road_block_id'], ['road_blocks.id'], name=op.f('fk_cosignatures_road_block_id_road_blocks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cosignatures')),
    sa.UniqueConstraint('bottleneck_id', 'dsv_id', name=op.f('uq_cosignatures_bottleneck_id_dsv_id')),
    sa.UniqueConstraint('road_block_id', 'dsv_id', name=op.f('uq_cosignatures_road_block_id_dsv_id'))
    )
    with op.batch_alter_table('cosignatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cosignatures_bottleneck_id'), ['bottleneck_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cosignatures_dsv_id'), ['dsv_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cosignatures_road_block_id'), ['road_block_id'], unique=False)

    op.create_table('merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duplicate_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['duplicate_id'], ['bottlenecks.id'], name=op.f('fk_merges_duplicate_id_bottlenecks')),
    sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'], name=op.f('fk_merges_merged_by_id_users')),
    sa.ForeignKeyConstraint(['target_id'], ['bottlenecks.id'], name=op.f('fk_merges_target_id_bottlenecks')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_merges_undone_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merges'))
    )
    with op.batch_alter_table('merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merges_duplicate_id'), ['duplicate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merges_target_id'), ['target_id'], unique=False)

    with op.batch_alter_table('bottlenecks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_bottlenecks_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bottlenecks_merged_into_id_bottlenecks'), 'bottlenecks', ['merged_into_id'], ['id'])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # The planner thinks a trigram comparison is as cheap as `=` and prefers computing it
        # for every row (1 s at 50k bottlenecks) over the index (60 ms). Tell it the truth,
        # where we may: an extension created by someone else belongs to them.
        op.execute(
            "DO $$ BEGIN ALTER FUNCTION similarity_op(text, text) COST 100; "
            "EXCEPTION WHEN insufficient_privilege THEN NULL; END $$"
        )
        for table in SEARCH_TABLES:
            _create_search(table)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in SEARCH_TABLES:
            op.execute(f"DROP INDEX ix_{table}_title_trgm")
            op.execute(f"DROP INDEX ix_{table}_search")
            op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")

    with op.batch_alter_table('bottlenecks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bottlenecks_merged_into_id_bottlenecks'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bottlenecks_merged_into_id'))
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merges_target_id'))
        batch_op.drop_index(batch_op.f('ix_merges_duplicate_id'))

    op.drop_table('merges')
    with op.batch_alter_table('cosignatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cosignatures_road_block_id'))
        batch_op.drop_index(batch_op.f('ix_cosignatures_dsv_id'))
        batch_op.drop_index(batch_op.f('ix_cosignatures_bottleneck_id'))

    op.drop_table('cosignatures')

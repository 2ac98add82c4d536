"""store each road block's DSV and bottleneck counts, indexed for the ranked list

Revision ID: 58414f111931
Revises: 62cc83b9edc2
Create Date: 2026-11-23 17:58:41.913832

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "58414f111931"
down_revision = "62cc83b9edc2"
branch_labels = None
depends_on = None

# What tracker.roadblocks.services.recount computes, for every road block at once (PostgreSQL
# and SQLite alike): the DSVs of its bottlenecks, their co-signers and its own co-signers.
BACKFILL = """
UPDATE road_blocks SET
  bottleneck_count = (SELECT count(*) FROM road_block_members m WHERE m.road_block_id = road_blocks.id),
  dsv_count = (SELECT count(*) FROM (
      SELECT b.dsv_id FROM road_block_members m JOIN bottlenecks b ON b.id = m.bottleneck_id
       WHERE m.road_block_id = road_blocks.id
      UNION
      SELECT c.dsv_id FROM road_block_members m JOIN cosignatures c ON c.bottleneck_id = m.bottleneck_id
       WHERE m.road_block_id = road_blocks.id
      UNION
      SELECT c.dsv_id FROM cosignatures c WHERE c.road_block_id = road_blocks.id
  ) AS reach)
"""


def upgrade():
    with op.batch_alter_table("road_blocks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dsv_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("bottleneck_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index("ix_road_blocks_ranking", ["dsv_count", "updated_at", "id"])
    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table("road_blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_road_blocks_ranking")
        batch_op.drop_column("bottleneck_count")
        batch_op.drop_column("dsv_count")

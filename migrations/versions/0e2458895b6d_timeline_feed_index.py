"""an index for the API's update feed: timeline events of one subject type in (created_at, id) order

Revision ID: 0e2458895b6d
Revises: 5c3f9bcd5aa6
Create Date: 2026-11-23 17:56:46.363261

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0e2458895b6d"
down_revision = "5c3f9bcd5aa6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_timeline_events_feed", ["subject_type", "created_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_events_feed")

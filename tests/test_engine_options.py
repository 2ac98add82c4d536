"""PostgreSQL plans every query for its own values: no server-side prepared statements."""

from __future__ import annotations

from sqlalchemy import select, text

from tracker.bottlenecks.models import Bottleneck
from tracker.extensions import db


def test_repeated_queries_are_not_prepared_on_the_server(ctx):
    for n in range(8):  # psycopg would prepare from the fifth run on
        db.session.execute(select(Bottleneck.id).where(Bottleneck.id == n)).all()
    prepared = db.session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
    assert prepared == 0

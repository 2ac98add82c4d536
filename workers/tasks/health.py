"""Liveness of the worker and beat pair."""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy import text

from tracker.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="workers.tasks.health.heartbeat")
def heartbeat() -> str:
    """Prove that beat schedules, the worker runs, and the database answers."""
    db.session.execute(text("SELECT 1"))
    db.session.remove()
    log.info("heartbeat: worker and database ok")
    return "ok"

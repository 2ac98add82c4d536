"""Retention of closed items and old sign-in attempts."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from tracker.privacy import retention


@shared_task(name="workers.tasks.privacy.retention_sweep")
def retention_sweep() -> dict[str, int]:
    """Delete closed bottlenecks past RETENTION_DAYS_CLOSED and prune old sign-in attempts."""
    return asdict(retention.sweep())

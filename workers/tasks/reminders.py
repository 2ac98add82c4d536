"""Follow-up reminders."""

from __future__ import annotations

from celery import shared_task

from tracker.reminders import services


@shared_task(name="workers.tasks.reminders.sweep_reminders")
def sweep_reminders() -> dict[str, int]:
    """Queue each due reminder stage at most once (the ledger decides); safe to run twice."""
    return dict(services.sweep())

"""Learning-network events: reminders before an event, follow-up actions due soon or overdue."""

from __future__ import annotations

from celery import shared_task

from tracker.events import reminders


@shared_task(name="workers.tasks.events.sweep_events")
def sweep_events() -> dict[str, int]:
    """Queue each due event and action reminder at most once (the ledger decides); safe twice."""
    return dict(reminders.sweep())

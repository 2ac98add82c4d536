"""E-mail delivery from the outbox."""

from __future__ import annotations

from celery import shared_task

from tracker.notifications import services


@shared_task(name="workers.tasks.mail.dispatch_outbox")
def dispatch_outbox() -> dict[str, int]:
    """Send every due outbox message once per claim; safe to run in parallel and twice."""
    result = services.dispatch_due()
    return {"sent": result.sent, "retried": result.retried, "failed": result.failed}


@shared_task(name="workers.tasks.mail.send_summaries")
def send_summaries() -> dict[str, int]:
    """Send the daily and weekly summaries of the current window, each at most once."""
    from tracker.auth.models import Delivery
    from tracker.notifications import summaries

    return {
        cadence.value: summaries.send_summaries(cadence)
        for cadence in (Delivery.DAILY, Delivery.WEEKLY)
    }

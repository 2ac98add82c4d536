"""E-mail delivery from the outbox."""

from __future__ import annotations

from celery import shared_task

from tracker.notifications import services


@shared_task(name="workers.tasks.mail.dispatch_outbox")
def dispatch_outbox() -> dict[str, int]:
    """Send every due outbox message once per claim; safe to run in parallel and twice."""
    result = services.dispatch_due()
    return {"sent": result.sent, "retried": result.retried, "failed": result.failed}

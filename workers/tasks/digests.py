"""Road-block digests."""

from __future__ import annotations

from celery import shared_task

from tracker.digests import services


@shared_task(name="workers.tasks.digests.compile_digests")
def compile_digests() -> int:
    """Compile each party's closed windows once (unique per window) and queue their e-mails."""
    return services.compile_due()

"""Every periodic job in one list, with its cadence and why.

Periodic jobs are short sweeps: the database decides what is due and what was already done.
"""

from __future__ import annotations

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    # The outbox is written by web requests in their own transaction; this sends it. Short
    # interval, cheap when empty (one indexed query), safe when two run at once (claims).
    "dispatch-outbox": {
        "task": "workers.tasks.mail.dispatch_outbox",
        "schedule": 15.0,
        "options": {"expires": 60},  # a backlog of wake-ups after an outage is pointless
    },
    # Reminders are due at working-day boundaries (17:00 Amsterdam); a sweep every 10 minutes
    # finds them within minutes and costs a few indexed queries when nothing is due.
    "sweep-reminders": {
        "task": "workers.tasks.reminders.sweep_reminders",
        "schedule": 600.0,
        "options": {"expires": 600},
    },
    # Event reminders (two days before) and follow-up actions (due soon, overdue): same cadence
    # and the same ledger as the escalation reminders, so a repeat run sends nothing twice.
    "sweep-events": {
        "task": "workers.tasks.events.sweep_events",
        "schedule": 600.0,
        "options": {"expires": 600},
    },
    # Summaries go out from 07:00 Amsterdam in their window (a day, an ISO week); hourly runs
    # mean an outage only delays them, and the ledger keeps it to one per window.
    "send-summaries": {
        "task": "workers.tasks.mail.send_summaries",
        "schedule": crontab(minute=5),
    },
    # Digest windows close at local midnight; an hourly run compiles the window that just
    # closed (and, after an outage, the few it missed). A unique key keeps one per window.
    "compile-digests": {
        "task": "workers.tasks.digests.compile_digests",
        "schedule": crontab(minute=15),
    },
    # Retention (AVG): closed bottlenecks past RETENTION_DAYS_CLOSED and old sign-in attempts.
    # Weekly is plenty for a period counted in years; Sunday night when nobody works.
    "retention-sweep": {
        "task": "workers.tasks.privacy.retention_sweep",
        "schedule": crontab(minute=30, hour=3, day_of_week="sunday"),
    },
    # Shows in the worker log that beat, broker, worker and database all work.
    "heartbeat": {
        "task": "workers.tasks.health.heartbeat",
        "schedule": crontab(minute="*/15"),
    },
}

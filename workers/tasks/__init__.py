"""Thin task functions by topic; the rules live in tracker services."""

from workers.tasks import digests, events, health, mail, privacy, reminders  # noqa: F401

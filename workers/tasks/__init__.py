"""Thin task functions by topic; the rules live in tracker services."""

from workers.tasks import digests, health, mail, reminders  # noqa: F401

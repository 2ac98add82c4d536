"""Celery workers: reminders, digests and e-mail delivery, calling the tracker's services."""

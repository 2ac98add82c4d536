"""The DSV escalation tracker: `flask --app tracker ...` finds create_app here."""

from tracker.app import create_app

__all__ = ["create_app"]

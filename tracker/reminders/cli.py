"""`flask reminders sweep`: queue every due reminder now, as the worker does."""

import click
from flask import Flask

from tracker.reminders import services


def register(app: Flask) -> None:
    @app.cli.group("reminders")
    def reminders() -> None:
        """Follow-up reminders."""

    @reminders.command("sweep")
    def sweep() -> None:
        """Queue every due reminder that was not sent before (safe to run any time)."""
        counts = services.sweep()
        click.echo(
            ", ".join(f"{stage}: {n}" for stage, n in sorted(counts.items())) or "nothing due"
        )

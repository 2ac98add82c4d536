"""`flask events sweep`: queue the due event and follow-up reminders now, as the worker does."""

import click
from flask import Flask

from tracker.events import reminders


def register(app: Flask) -> None:
    @app.cli.group("events")
    def events() -> None:
        """Learning-network events."""

    @events.command("sweep")
    def sweep() -> None:
        """Queue every due event and action reminder that was not sent before (safe any time)."""
        counts = reminders.sweep()
        click.echo(
            ", ".join(f"{stage}: {n}" for stage, n in sorted(counts.items())) or "nothing due"
        )

"""`flask retention sweep`: delete closed items past the retention period, or count them."""

from __future__ import annotations

from dataclasses import asdict

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from tracker.privacy import retention

group = AppGroup("retention", help="Retention of closed bottlenecks and old sign-in attempts.")


@group.command("sweep")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--days", type=int, default=None, help="Override RETENTION_DAYS_CLOSED.")
def sweep_command(dry_run: bool, days: int | None) -> None:
    """Delete bottlenecks whose escalations all ended and that did not change for N days."""
    days = current_app.config["RETENTION_DAYS_CLOSED"] if days is None else days
    result = retention.sweep(days, dry_run=dry_run)
    verb = "would be deleted" if dry_run else "deleted"
    click.echo(f"Retention {days} days (0 = keep forever); {verb}:")
    for name, count in asdict(result).items():
        click.echo(f"  {name.replace('_', ' '):<20} {count:>6}")


def register(app: Flask) -> None:
    app.cli.add_command(group)

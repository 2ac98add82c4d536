"""`flask seed`: load the reference data."""

import click
from flask import Flask

from tracker.directory.seed import seed_reference_data


def register(app: Flask) -> None:
    @app.cli.command("seed")
    def seed() -> None:
        """Load building blocks, domains, networks and national parties (idempotent)."""
        seed_reference_data()
        click.echo("Reference data loaded.")

"""`flask seed` loads the reference data; `flask registry import/export` the DSV registry CSV."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from tracker.core.csv import lines
from tracker.core.errors import InvalidInput
from tracker.directory import registry_import
from tracker.directory.seed import seed_reference_data

registry = AppGroup("registry", help="Import and export the DSV registry as CSV.")


@registry.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--apply", "do_apply", is_flag=True, help="Write the changes (default: dry run).")
def import_command(path: str, do_apply: bool) -> None:
    """Check (or with --apply, load) DSVs, networks and contact persons from PATH."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        total = len(registry_import.parse(registry_import.decode(data)))
        with click.progressbar(length=total, label="Checking rows", file=sys.stderr) as bar:
            if do_apply:
                report = registry_import.apply(None, data, bar.update)
            else:
                report = registry_import.check(data, bar.update)
    except InvalidInput as error:
        raise click.ClickException(error.message) from error
    for row in report.errors:
        for message in row.errors:
            click.echo(f"line {row.line} ({row.slug or '-'}): {message}")
    click.echo(f"{'status':<10} {'rows':>6}")
    for status, count in report.summary.items():
        click.echo(f"{status:<10} {count:>6}")
    if not report.ok:
        click.echo("Nothing was written: fix the lines above and run again.", err=True)
        sys.exit(1)
    if report.applied:
        click.echo("Applied. No invitations were sent; invite people from the people page.")
    else:
        click.echo("Dry run: nothing was written. Run again with --apply to load the file.")


@registry.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str) -> None:
    """Write every DSV in the import layout to PATH (semicolons, UTF-8 with BOM)."""
    header, rows = registry_import.export_all()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.writelines(lines(header, rows))
    click.echo(f"{len(rows)} DSVs written to {path}.")


def register(app: Flask) -> None:
    @app.cli.command("seed")
    def seed() -> None:
        """Load building blocks, domains, networks and national parties (idempotent)."""
        seed_reference_data()
        click.echo("Reference data loaded.")

    app.cli.add_command(registry)

"""`flask digest ...`: compile due digests now, or preview any window without sending."""

import click
from flask import Flask, render_template
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from tracker.digests import services
from tracker.digests.models import Cadence
from tracker.digests.windows import last_closed_window, parse_window
from tracker.directory.models import Party
from tracker.extensions import db

digest = AppGroup("digest", help="Road-block digests for national parties.")


@digest.command("compile")
def compile_now() -> None:
    """Compile and queue every closed window that has no digest yet (as the worker does)."""
    click.echo(f"compiled {services.compile_due()} digest(s)")


@digest.command("preview")
@click.option("--party", "slug", required=True, help="The party's slug, e.g. zonmw.")
@click.option(
    "--window",
    default="last",
    show_default=True,
    help="'last' (the last closed window) or a date inside the window (YYYY-MM-DD).",
)
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
def preview(slug: str, window: str, language: str) -> None:
    """Print the digest of one window as its e-mail text; nothing is stored or sent."""
    from tracker.core.timeutil import utcnow

    party = db.session.scalar(select(Party).where(Party.slug == slug))
    if party is None:
        raise click.ClickException(f"No party with slug {slug!r}.")
    cadence = Cadence(party.digest_cadence)
    try:
        start, end = (
            last_closed_window(cadence, utcnow())
            if window == "last"
            else parse_window(cadence, window)
        )
    except ValueError as error:
        raise click.ClickException("Give --window as 'last' or YYYY-MM-DD.") from error
    content = services.preview(party, start, end)
    with force_locale(language):
        click.echo(
            render_template(
                "email/_digest_body.txt",
                party=party,
                content=content,
                window_start=start,
                window_end=end,
                language=language,
            )
        )


def register(app: Flask) -> None:
    app.cli.add_command(digest)

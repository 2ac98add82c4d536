"""`flask outbox ...`: look at the outbox, dispatch now, resend a failed message."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from tracker.extensions import db
from tracker.notifications import services
from tracker.notifications.models import OutboxMessage, OutboxStatus

outbox = AppGroup("outbox", help="The e-mail outbox.")


@outbox.command("list")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]))
@click.option("--limit", default=50, show_default=True)
def list_messages(status: str | None, limit: int) -> None:
    """List the newest messages, optionally only one status (e.g. --status failed)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    for m in db.session.scalars(query):
        error = f"\t{m.last_error}" if m.last_error else ""
        click.echo(f"{m.id}\t{m.status}\t{m.attempts}\t{m.recipient_email}\t{m.subject}{error}")


@outbox.command("dispatch")
def dispatch() -> None:
    """Send everything that is due now, as the worker would."""
    result = services.dispatch_due()
    click.echo(f"sent {result.sent}, retried later {result.retried}, failed {result.failed}")


@outbox.command("resend")
@click.argument("message_id", type=int)
def resend(message_id: int) -> None:
    """Queue a failed message again (it keeps its Message-ID)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != OutboxStatus.FAILED:
        raise click.ClickException("No failed message with this id.")
    services.requeue(message)
    db.session.commit()
    click.echo(f"message {message_id} queued again")


def register(app: Flask) -> None:
    app.cli.add_command(outbox)

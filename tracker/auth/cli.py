"""`flask users ...`: accounts from the command line (the operator is trusted: actor None)."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from tracker.auth import services
from tracker.auth.models import User
from tracker.core.errors import DomainError
from tracker.extensions import db

users = AppGroup("users", help="Manage accounts.")


@users.command("create-admin")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
def create_admin(name: str, email: str, language: str) -> None:
    """Create a programme-staff admin, e-mail the invitation and print its link."""
    try:
        _user, link = services.invite_user(
            None, name=name, email=email, language=language, is_admin=True
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(link)


@users.command("invite-link")
@click.argument("email")
def invite_link(email: str) -> None:
    """E-mail and print a fresh invite link (for someone who has not set a password yet)."""
    user = services.find_by_email(email)
    if user is None or user.has_accepted_invite:
        raise click.ClickException("No account waiting for an invite has this e-mail address.")
    click.echo(services.reissue_invite(None, user.id))


@users.command("reset-link")
@click.argument("email")
def reset_link(email: str) -> None:
    """E-mail and print a password-reset link for an active account."""
    url = services.request_password_reset(email)
    if url is None:
        raise click.ClickException("No active account with a password has this e-mail address.")
    click.echo(url)


@users.command("list")
def list_users() -> None:
    """List accounts with their roles."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        roles = (
            (["admin"] if user.is_admin else [])
            + [d.slug for d in user.dsvs]
            + [p.slug for p in user.parties]
        )
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{user.name}\t{','.join(roles)}\t{state}")


def register(app: Flask) -> None:
    app.cli.add_command(users)

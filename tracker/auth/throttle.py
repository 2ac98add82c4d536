"""Sign-in rate limits: failed attempts per account and per address, kept in the database.

The database (not process memory) holds the attempts, so the limit holds across web workers
and on SQLite and PostgreSQL alike. While limited, even the right password is refused, so
guessing gains nothing; a successful sign-in clears the account's count.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from tracker.auth.models import LoginAttempt
from tracker.core.timeutil import utcnow
from tracker.extensions import db

#: Attempts are kept this long for the counts (and a little for an operator to look at).
KEEP = timedelta(days=1)


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def _failures(column, value: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.created_at > utcnow() - _window())
    )


def is_limited(email: str, address: str) -> bool:
    """True while the account or the address had too many failed sign-ins in the window."""
    config = current_app.config
    return (
        _failures(LoginAttempt.email, email) >= config["LOGIN_MAX_PER_ACCOUNT"]
        or _failures(LoginAttempt.address, address) >= config["LOGIN_MAX_PER_ADDRESS"]
    )


def failed(email: str, address: str) -> None:
    """Count one failed sign-in (also for addresses without an account)."""
    db.session.add(LoginAttempt(email=email[:254], address=address[:64]))
    db.session.commit()


def succeeded(email: str) -> None:
    """A successful sign-in clears the account's failures (not the address's)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    db.session.commit()


def prune(*, dry_run: bool = False) -> int:
    """Forget attempts older than a day; returns how many (the caller commits)."""
    old = LoginAttempt.created_at < utcnow() - max(KEEP, _window())
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(old))
    return db.session.execute(delete(LoginAttempt).where(old)).rowcount

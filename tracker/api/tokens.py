"""Rules for personal API tokens: create (shown once), revoke, authenticate, rate-limit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from tracker.auth.models import User
from tracker.core.errors import DomainError, InvalidInput, NotVisible
from tracker.core.timeutil import utcnow
from tracker.extensions import db
from tracker.timeline.services import record

from .models import ApiRateWindow, ApiToken, Scope

PREFIX = "dsvt_"
NAME_MAX = 80
LAST_USED_PRECISION = timedelta(minutes=1)


class Unauthorized(DomainError):
    """No valid token: missing, unknown, revoked, or its user is deactivated."""

    status = 401


class RateLimited(DomainError):
    """The token made too many requests in this window."""

    status = 429

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(
            _("Too many requests. Try again in %(seconds)s seconds.", seconds=retry_after)
        )


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, active ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def create_token(user: User, name: str, scope: str) -> str:
    """A new token for the user; the raw value is returned once and only its hash is stored."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(_("Give the token a name of at most %(max)s characters.", max=NAME_MAX))
    if scope not in set(Scope):
        raise InvalidInput(_("Choose read or read-write."))
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, scope=scope, token_hash=_hash(raw))
    db.session.add(token)
    record("user", user.id, "api_token_created", user, new=f"{name} ({scope})")
    db.session.commit()
    return raw


def revoke_token(user: User, token_id: int) -> None:
    """Stop one of the user's own tokens; another user's token is NotVisible."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotVisible()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("user", user.id, "api_token_revoked", user, old=token.name)
    db.session.commit()


def authenticate(header: str | None) -> ApiToken:
    """The active token in an `Authorization: Bearer` header, or Unauthorized."""
    scheme, _sep, raw = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized(_("Send a personal API token: Authorization: Bearer <token>."))
    token = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == _hash(raw.strip()))
    )
    if token is None or token.revoked_at is not None or not token.user.active:
        raise Unauthorized(_("This API token is unknown, revoked or of a deactivated user."))
    return token


def count_request(token: ApiToken, now: datetime | None = None) -> None:
    """Count one request in the token's fixed window (atomic upsert) and stamp last use
    (to the minute: a busy client does not rewrite its token row on every call)."""
    now = now or utcnow()
    limit = current_app.config["API_RATE_LIMIT"]
    seconds = current_app.config["API_RATE_WINDOW_SECONDS"]
    start = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, UTC)
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(ApiRateWindow.__table__).values(
        token_id=token.id, window_start=start, count=1
    )
    upsert = insert.on_conflict_do_update(
        index_elements=["token_id", "window_start"],
        set_={"count": ApiRateWindow.__table__.c.count + 1},
    ).returning(ApiRateWindow.__table__.c.count)
    count = db.session.execute(upsert).scalar_one()
    if count == 1:  # a new window: the earlier ones are done with
        db.session.execute(
            delete(ApiRateWindow).where(
                ApiRateWindow.token_id == token.id, ApiRateWindow.window_start < start
            )
        )
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
    db.session.commit()
    if count > limit:
        raise RateLimited(max(1, int((start.timestamp() + seconds) - now.timestamp())))

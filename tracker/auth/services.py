"""Accounts: invitations, passwords, sign-in and one-time tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import authz
from tracker.auth.models import AuthToken, Delivery, TokenPurpose, User
from tracker.core.errors import InvalidInput, NotVisible
from tracker.core.timeutil import utcnow
from tracker.core.urls import external_url
from tracker.directory.models import Dsv, Party
from tracker.extensions import db
from tracker.notifications import notify
from tracker.timeline.services import record

SUBJECT = "user"
PASSWORD_MIN = 10
RESET_THROTTLE = timedelta(minutes=5)
# Checked when no account matches, so a wrong e-mail address costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, purpose: TokenPurpose) -> str:
    """Create a single-use token for `user`, voiding earlier unused ones; returns the raw token."""
    hours = current_app.config[
        "INVITE_TOKEN_HOURS" if purpose is TokenPurpose.INVITE else "RESET_TOKEN_HOURS"
    ]
    now = utcnow()
    db.session.execute(
        update(AuthToken)
        .where(
            AuthToken.user_id == user.id, AuthToken.purpose == purpose, AuthToken.used_at.is_(None)
        )
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_hash(raw),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return raw


def token_url(raw: str, purpose: TokenPurpose) -> str:
    endpoint = "auth.accept_invite" if purpose is TokenPurpose.INVITE else "auth.reset_password"
    return external_url(endpoint, token=raw)


def peek_token(raw: str, purpose: TokenPurpose) -> AuthToken:
    """The valid, unused token, or InvalidInput saying the link is no longer valid."""
    token = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == _hash(raw)))
    if (
        token is None
        or token.purpose != purpose
        or token.used_at is not None
        or token.expires_at < utcnow()
        or not token.user.active
    ):
        raise InvalidInput(_("This link has expired or was already used. Ask for a new one."))
    return token


def set_password_with_token(raw: str, purpose: TokenPurpose, password: str) -> User:
    """Consume the token once and set the password; every older session of the user ends."""
    token = peek_token(raw, purpose)
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(_("Use at least %(n)d characters.", n=PASSWORD_MIN))
    token.used_at = utcnow()
    user = token.user
    user.password_hash = generate_password_hash(password, method="scrypt")
    user.session_version += 1
    record(SUBJECT, user.id, "password_set", user, new=purpose.value)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (timing does not reveal which)."""
    user = find_by_email(email)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """Sign out everywhere: the signed session cookie of every device stops working.

    Sessions are signed cookies, so a copied cookie would otherwise outlive the sign-out.
    """
    user.session_version += 1
    db.session.commit()


def _send_link(user: User, purpose: TokenPurpose) -> str:
    """Issue a token and queue the e-mail that carries its link, in the caller's transaction."""
    link = token_url(issue_token(user, purpose), purpose)
    if purpose is TokenPurpose.INVITE:
        notify.invitation(user, link, current_app.config["INVITE_TOKEN_HOURS"])
    else:
        notify.password_reset(user, link, current_app.config["RESET_TOKEN_HOURS"])
    return link


def request_password_reset(email: str) -> str | None:
    """E-mail a reset link to an active account with a password; None otherwise (never revealed)."""
    user = find_by_email(email)
    if user is None or not user.active or user.password_hash is None:
        return None
    recent = db.session.scalar(
        select(AuthToken.id).where(
            AuthToken.user_id == user.id,
            AuthToken.purpose == TokenPurpose.RESET,
            AuthToken.created_at > utcnow() - RESET_THROTTLE,
        )
    )
    if recent is not None:
        return None  # one mail per few minutes: no mail-bombing, no cancelling a fresh link
    link = _send_link(user, TokenPurpose.RESET)
    record(SUBJECT, user.id, "reset_link", user)
    db.session.commit()
    return link


def _memberships(dsv_ids: Iterable[int], party_ids: Iterable[int]) -> tuple[list[Dsv], list[Party]]:
    dsv_ids, party_ids = set(dsv_ids), set(party_ids)
    dsvs = list(db.session.scalars(select(Dsv).where(Dsv.id.in_(dsv_ids)))) if dsv_ids else []
    parties = (
        list(db.session.scalars(select(Party).where(Party.id.in_(party_ids)))) if party_ids else []
    )
    if len(dsvs) != len(dsv_ids) or len(parties) != len(party_ids):
        raise InvalidInput(_("Choose DSVs and parties from the list."))
    return dsvs, parties


def invite_user(
    actor: User | None,
    *,
    name: str,
    email: str,
    language: str = "nl",
    is_admin: bool = False,
    dsv_ids: Iterable[int] = (),
    party_ids: Iterable[int] = (),
) -> tuple[User, str]:
    """Create an account without a password, e-mail its single-use invite link, return both.

    `actor` None is the operator at the command line (the CLI has no signed-in user).
    """
    if actor is not None:
        authz.require(actor, "registry.manage")
    email = normalize_email(email)
    if find_by_email(email) is not None:
        raise InvalidInput(_("There is already an account with this e-mail address."))
    dsvs, parties = _memberships(dsv_ids, party_ids)
    user = User(
        name=name.strip(),
        email=email,
        language=language,
        is_admin=is_admin,
        dsvs=dsvs,
        parties=parties,
    )
    db.session.add(user)
    db.session.flush()
    link = _send_link(user, TokenPurpose.INVITE)
    record(SUBJECT, user.id, "invited", actor, new=email)
    db.session.commit()
    return user, link


def reissue_invite(actor: User | None, user_id: int) -> str:
    """A fresh invite link, e-mailed, for a user without a password; older links stop working.

    `actor` None is the operator at the command line (the CLI has no signed-in user).
    """
    if actor is not None:
        authz.require(actor, "registry.manage")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotVisible()
    if user.has_accepted_invite:
        raise InvalidInput(_("This person already set a password; use a password reset instead."))
    link = _send_link(user, TokenPurpose.INVITE)
    record(SUBJECT, user.id, "invited", actor, new=user.email)
    db.session.commit()
    return link


def update_user(
    actor: User,
    user_id: int,
    *,
    name: str,
    language: str,
    is_admin: bool,
    active: bool,
    dsv_ids: Iterable[int],
    party_ids: Iterable[int],
) -> User:
    """Change a user's profile, role and memberships; deactivating ends their sessions."""
    authz.require(actor, "registry.manage")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotVisible()
    if user.id == actor.id and (not active or not is_admin):
        raise InvalidInput(_("You cannot remove your own admin rights or deactivate yourself."))
    dsvs, parties = _memberships(dsv_ids, party_ids)
    changes = {
        "name": (user.name, name.strip()),
        "language": (user.language, language),
        "admin": (user.is_admin, is_admin),
        "active": (user.active, active),
        "dsvs": (sorted(d.slug for d in user.dsvs), sorted(d.slug for d in dsvs)),
        "parties": (sorted(p.slug for p in user.parties), sorted(p.slug for p in parties)),
    }
    for field, (old, new) in changes.items():
        if old != new:
            record(SUBJECT, user.id, "changed", actor, field=field, old=old, new=new)
    if user.active and not active:
        user.session_version += 1
    user.name, user.language, user.is_admin, user.active = name.strip(), language, is_admin, active
    user.dsvs, user.parties = dsvs, parties
    db.session.commit()
    return user


def update_preferences(user: User, *, language: str, delivery: str) -> None:
    """Save a user's own language and e-mail preference, each change on their timeline."""
    if language not in current_app.config["LANGUAGES"] or delivery not in set(Delivery):
        raise InvalidInput(_("Choose from the list."))
    for field, old, new in (
        ("language", user.language, language),
        ("delivery", user.delivery, delivery),
    ):
        if old != new:
            record(SUBJECT, user.id, "changed", user, field=field, old=old, new=new)
    user.language, user.delivery = language, delivery
    db.session.commit()


def set_language(user: User, language: str) -> None:
    """Remember the user's interface language."""
    if language in current_app.config["LANGUAGES"] and user.language != language:
        record(SUBJECT, user.id, "changed", user, field="language", old=user.language, new=language)
        user.language = language
        db.session.commit()


def issue_reset_link(actor: User, user_id: int) -> str:
    """An admin-issued password-reset link for an active account; older links stop working."""
    authz.require(actor, "registry.manage")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotVisible()
    if not user.active or not user.has_accepted_invite:
        raise InvalidInput(_("Only active accounts with a password can get a reset link."))
    link = _send_link(user, TokenPurpose.RESET)
    record(SUBJECT, user.id, "reset_link", actor)
    db.session.commit()
    return link

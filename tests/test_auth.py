"""Accounts and security: invitations, passwords, sign-in, sessions, CSRF, headers and the CLI."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
import time_machine
from sqlalchemy import func, select

from tests import builders
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage

INVITE_RE = re.compile(r"/auth/invite/[\w-]+")
RESET_RE = re.compile(r"/auth/reset/[\w-]+")
NEW_PASSWORD = "een nieuw wachtwoord"
USED_LINK = "This link has expired or was already used"


@pytest.fixture
def world(ctx) -> builders.World:
    return builders.World()


def browser(app):
    """A fresh client (its own cookie jar) that asks for English pages."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signed_in(app, user: User):
    user.language = "en"
    db.session.commit()
    client = browser(app)
    response = client.login(user.email, builders.PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def is_signed_in(client) -> bool:
    return client.get("/").status_code == 200


def text(response) -> str:
    return response.get_data(as_text=True)


def mailed_link(pattern: re.Pattern, email: str) -> str:
    """The link in the newest e-mail queued for `email` (the page no longer shows it)."""
    body = db.session.scalar(
        select(OutboxMessage.body_text)
        .where(OutboxMessage.recipient_email == email)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    assert body, f"no e-mail queued for {email}"
    return pattern.search(body).group(0)


def invite(admin_client, **fields) -> str:
    """Invite someone through the admin form; returns the invite link's path."""
    data = {"name": "Nieuwe Coördinator", "email": "nieuw@dsv.example", "language": "en", **fields}
    response = admin_client.post_form("/admin/users/new", data)
    assert response.status_code == 201, text(response)
    assert INVITE_RE.search(text(response)) is None  # the link goes by e-mail only
    return mailed_link(INVITE_RE, data["email"])


def set_password(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    response = client.post_form(link, {"password": password, "confirm": confirm or password})
    client.csrf_token = None  # a successful set renews the session
    return response


def account(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


# --- invitations -------------------------------------------------------------------------


def test_invited_person_sets_a_password_and_is_signed_in(app, world):
    link = invite(signed_in(app, world.admin), dsv_ids=[str(world.dsv.id)])
    newcomer = browser(app)
    assert newcomer.get(link).status_code == 200

    response = set_password(newcomer, link)

    assert response.status_code == 302
    assert newcomer.get("/").status_code == 200
    assert "Nieuwe Coördinator" in text(newcomer.get("/"))
    user = account("nieuw@dsv.example")
    assert user.password_hash is not None
    assert user.dsv_ids == {world.dsv.id}


def test_reused_invite_link_is_refused(app, world):
    link = invite(signed_in(app, world.admin))
    newcomer = browser(app)
    assert set_password(newcomer, link).status_code == 302
    first_hash = account("nieuw@dsv.example").password_hash

    second_visit = newcomer.get(link)
    stranger = browser(app)
    second_use = set_password(stranger, link, "iemand anders wachtwoord")

    assert 400 <= second_visit.status_code < 500
    assert USED_LINK in text(second_visit)
    assert 400 <= second_use.status_code < 500
    assert account("nieuw@dsv.example").password_hash == first_hash


def test_invite_link_works_for_72_hours_and_is_refused_after(app, world):
    link = invite(signed_in(app, world.admin))

    with time_machine.travel(timedelta(hours=71)):
        assert browser(app).get(link).status_code == 200
    with time_machine.travel(timedelta(hours=73)):
        late = browser(app)
        visit = late.get(link)
        attempt = set_password(late, link)

    assert visit.status_code == 422
    assert USED_LINK in text(visit)
    assert 400 <= attempt.status_code < 500
    assert account("nieuw@dsv.example").password_hash is None


def test_reissued_invite_makes_the_earlier_link_stop_working(app, world):
    admin = signed_in(app, world.admin)
    old_link = invite(admin)
    user = account("nieuw@dsv.example")

    response = admin.post_form(f"/admin/users/{user.id}/invite")

    assert response.status_code == 200
    new_link = mailed_link(INVITE_RE, "nieuw@dsv.example")
    assert new_link != old_link
    assert browser(app).get(old_link).status_code == 422
    assert browser(app).get(new_link).status_code == 200


@pytest.mark.parametrize(
    ("password", "confirm"),
    [("te kort", "te kort"), ("lang genoeg wachtwoord", "ander lang wachtwoord")],
    ids=["too-short", "confirm-differs"],
)
def test_bad_new_password_is_refused_and_the_link_stays_usable(app, world, password, confirm):
    link = invite(signed_in(app, world.admin))
    newcomer = browser(app)

    response = set_password(newcomer, link, password, confirm)

    assert response.status_code == 422
    assert account("nieuw@dsv.example").password_hash is None
    assert set_password(newcomer, link).status_code == 302


# --- signing in --------------------------------------------------------------------------


def test_wrong_password_and_unknown_address_get_the_same_401(app, world):
    wrong_password = browser(app).login(world.coordinator.email, "not the password at all")
    unknown_address = browser(app).login("niemand@nergens.example", builders.PASSWORD)

    for response in (wrong_password, unknown_address):
        assert response.status_code == 401
        assert "The e-mail address or password is not correct." in text(response)
    assert world.coordinator.last_login_at is None


def test_sign_in_ignores_the_case_of_the_email_address(app, world):
    client = browser(app)

    response = client.login(world.coordinator.email.upper(), builders.PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_inactive_user_cannot_sign_in(app, world):
    world.coordinator.active = False
    db.session.commit()
    client = browser(app)

    response = client.login(world.coordinator.email, builders.PASSWORD)

    assert response.status_code == 401
    assert not is_signed_in(client)


def test_session_cookie_is_httponly_and_samesite_lax(app, world):
    response = browser(app).login(world.coordinator.email, builders.PASSWORD)

    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    assert "HttpOnly" in cookies[-1]
    assert "SameSite=Lax" in cookies[-1]


# --- ending sessions ---------------------------------------------------------------------


def test_deactivated_user_is_signed_out_of_an_open_session(app, world):
    coordinator = signed_in(app, world.coordinator)
    assert is_signed_in(coordinator)

    response = signed_in(app, world.admin).post_form(
        f"/admin/users/{world.coordinator.id}/edit",
        {"name": world.coordinator.name, "language": "en", "dsv_ids": [str(world.dsv.id)]},
    )

    assert response.status_code == 302
    assert world.coordinator.active is False
    after = coordinator.get("/")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/auth/login")


def test_password_reset_signs_out_open_sessions(app, world):
    old_session = signed_in(app, world.coordinator)
    issued = signed_in(app, world.admin).post_form(f"/admin/users/{world.coordinator.id}/reset")
    assert issued.status_code == 200
    link = mailed_link(RESET_RE, world.coordinator.email)

    assert set_password(browser(app), link).status_code == 302

    assert old_session.get("/").headers.get("Location", "").startswith("/auth/login")
    assert browser(app).login(world.coordinator.email, builders.PASSWORD).status_code == 401
    assert browser(app).login(world.coordinator.email, NEW_PASSWORD).status_code == 302


def test_logout_is_post_only_and_ends_the_session(app, world):
    client = signed_in(app, world.coordinator)

    assert client.get("/auth/logout").status_code == 405
    assert is_signed_in(client)
    assert client.post_form("/auth/logout").status_code == 302
    assert not is_signed_in(client)


# --- forged requests, headers and redirects ----------------------------------------------


def test_login_without_csrf_token_is_refused(app, world):
    client = browser(app)
    data = {"email": world.coordinator.email, "password": builders.PASSWORD}

    response = client.post("/auth/login", data=data)

    assert response.status_code == 400
    assert world.coordinator.last_login_at is None
    assert not is_signed_in(client)


def test_new_bottleneck_without_csrf_token_is_refused(app, world):
    client = signed_in(app, world.coordinator)
    data = {
        "dsv_id": world.dsv.id,
        "title": "Geen KvK-nummer voor het samenwerkingsverband",
        "description": "Subsidie aanvragen lukt niet zonder eigen rechtspersoon.",
        "building_block_id": builders.block().id,
        "owner_id": world.coordinator.id,
        "impact": "medium",
    }
    count = select(func.count()).select_from(Bottleneck)
    before = db.session.scalar(count)

    forged = client.post("/bottlenecks/new", data=data)

    assert forged.status_code == 400
    assert db.session.scalar(count) == before
    assert client.post_form("/bottlenecks/new", data).status_code == 302  # the data was fine
    assert db.session.scalar(count) == before + 1


@pytest.mark.parametrize("path", ["/auth/login", "/no-such-page"])
def test_pages_carry_strict_security_headers(app, path):
    headers = browser(app).get(path).headers

    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def _login_with_next(app, user: User, target: str) -> str:
    response = browser(app).post_form(
        "/auth/login?next=" + quote(target, safe=""),
        {"email": user.email, "password": builders.PASSWORD},
    )
    assert response.status_code == 302
    return response.headers["Location"]


def test_sign_in_follows_a_local_next_but_not_a_protocol_relative_one(app, world):
    assert _login_with_next(app, world.coordinator, "/bottlenecks/") == "/bottlenecks/"
    assert _login_with_next(app, world.coordinator, "//evil.example") == "/"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "/\\evil.example", "/\t/evil.example"],
    ids=["absolute", "backslash", "tab"],
)
def test_sign_in_never_redirects_off_site(app, world, target):
    location = _login_with_next(app, world.coordinator, target)

    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith("//"), location


# --- command line (no request context, as in a server shell) ------------------------------


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["users", *args])


def test_create_admin_command_prints_a_working_invite_link(app):
    result = run(app, "create-admin", "--name", "Beheer", "--email", "Beheer@Programma.example")

    assert result.exit_code == 0, repr(result.exception)
    assert "http://localhost/auth/invite/" in result.output
    assert account("beheer@programma.example").is_admin
    assert browser(app).get(INVITE_RE.search(result.output).group(0)).status_code == 200


@pytest.mark.parametrize(
    ("command", "link_re", "has_password"),
    [("invite-link", INVITE_RE, False), ("reset-link", RESET_RE, True)],
    ids=["invite-link", "reset-link"],
)
def test_link_commands_print_a_working_link(app, command, link_re, has_password):
    user = builders.user()
    if not has_password:
        user.password_hash = None
    db.session.commit()

    result = run(app, command, user.email)

    assert result.exit_code == 0, repr(result.exception)
    assert browser(app).get(link_re.search(result.output).group(0)).status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ("invite-link", "niemand@nergens.example"),
        ("reset-link", "niemand@nergens.example"),
        ("create-admin", "--name", "Dubbel", "--email", "{existing}"),
    ],
    ids=["invite-link-unknown", "reset-link-unknown", "create-admin-existing"],
)
def test_user_commands_fail_cleanly_for_unusable_addresses(app, args):
    existing = builders.user()
    db.session.commit()

    result = run(app, *(arg.format(existing=existing.email) for arg in args))

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Error:" in result.output
    assert "Traceback" not in result.output

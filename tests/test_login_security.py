"""Sign-in drills: rate limits per account and address, session fixation, ending sessions,
and security headers on every route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests import builders
from tests.test_authorization_routes import ROUTES, _client_for, objects  # noqa: F401
from tracker.auth import services
from tracker.auth.models import LoginAttempt
from tracker.core.security import CSP, HEADERS
from tracker.extensions import db

WRONG = "not the password"


@pytest.fixture
def world(ctx) -> builders.World:
    return builders.World()


def browser(app, address: str = "192.0.2.10"):
    client = app.test_client()
    client.environ_base.update(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)
    return client


def attempt(client, email: str, password: str):
    return client.post_form("/auth/login", {"email": email, "password": password})


def failures(email: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email)
    )


def test_five_failures_lock_the_account_even_for_the_right_password(app, world):
    client, email = browser(app), world.coordinator.email
    for _ in range(5):
        assert attempt(client, email, WRONG).status_code == 401

    refused = attempt(client, email, builders.PASSWORD)

    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many failed sign-ins" in page
    assert f'value="{email}"' in page  # what was typed stays
    assert builders.PASSWORD not in page
    assert world.coordinator.last_login_at is None
    # Another address does not help: the limit is per account too.
    assert attempt(browser(app, "198.51.100.7"), email, builders.PASSWORD).status_code == 429
    # Other accounts from the same address still sign in.
    assert attempt(client, world.liaison.email, builders.PASSWORD).status_code == 302


def test_the_limit_lifts_after_the_window(app, world):
    client, email = browser(app), world.coordinator.email
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            attempt(client, email, WRONG)
        assert attempt(client, email, builders.PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert attempt(client, email, builders.PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert attempt(client, email, builders.PASSWORD).status_code == 302
    assert failures(email) == 0  # success clears the account's count


def test_a_successful_sign_in_clears_the_account_count(app, world):
    email = world.coordinator.email
    for _ in range(4):
        attempt(browser(app), email, WRONG)
    assert attempt(browser(app), email, builders.PASSWORD).status_code == 302
    for _ in range(4):
        assert attempt(browser(app), email, WRONG).status_code == 401
    assert attempt(browser(app), email, builders.PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(app, world):
    client = browser(app, "203.0.113.5")
    for n in range(20):
        assert attempt(client, f"guess{n}@nowhere.example", WRONG).status_code == 401

    assert attempt(client, world.liaison.email, builders.PASSWORD).status_code == 429
    assert (
        attempt(browser(app, "203.0.113.6"), world.liaison.email, builders.PASSWORD).status_code
        == 302
    )


# --- sessions ----------------------------------------------------------------------------


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_sign_in_starts_a_fresh_session(app, world):
    client = browser(app)
    client.get("/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        token_before = session.get("csrf_token")
    before = session_cookie(client)

    assert client.login(world.coordinator.email, builders.PASSWORD).status_code == 302

    assert session_cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != token_before
        assert set(session) <= {"_user_id", "_fresh", "_id", "language", "csrf_token"}


def test_logout_ends_every_session_of_the_account_including_copied_cookies(app, world):
    laptop = browser(app)
    laptop.login(world.coordinator.email, builders.PASSWORD)
    phone = browser(app)
    phone.login(world.coordinator.email, builders.PASSWORD)
    stolen = session_cookie(laptop)
    assert laptop.get("/").status_code == phone.get("/").status_code == 200

    assert laptop.post_form("/auth/logout").status_code == 302

    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    replay = browser(app)
    replay.set_cookie("session", stolen)
    assert replay.get("/").status_code == 302


def test_deactivation_ends_open_sessions(app, world):
    client = browser(app)
    client.login(world.coordinator.email, builders.PASSWORD)
    assert client.get("/").status_code == 200
    services.update_user(
        world.admin,
        world.coordinator.id,
        name=world.coordinator.name,
        language="nl",
        is_admin=False,
        active=False,
        dsv_ids=[world.dsv.id],
        party_ids=[],
    )
    assert client.get("/").status_code == 302


# --- headers on every route --------------------------------------------------------------


def test_every_get_route_carries_the_security_headers_and_csp(app, objects):  # noqa: F811
    world, named = objects
    missing = []
    for role in ("anonymous", "coordinator", "admin"):
        client = _client_for(app, world, role)
        for cases in ROUTES.values():
            for case in cases:
                if case.method != "GET":
                    continue
                url = case.url(named)
                response = client.get(url)
                headers = response.headers
                for name, value in HEADERS.items():
                    if headers.get(name) != value:
                        missing.append(f"{role} {url}: {name}={headers.get(name)!r}")
                if response.mimetype == "text/html" and headers.get("Cache-Control") != "no-store":
                    missing.append(f"{role} {url}: Cache-Control={headers.get('Cache-Control')!r}")
    assert headers["Content-Security-Policy"] == CSP and "'unsafe-inline'" not in CSP
    assert not missing, "\n".join(missing)

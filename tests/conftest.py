"""Real services for the tests: PostgreSQL with a rolled-back transaction per test.

The schema is built by the real migrations once per run; reference data is seeded once and
committed; every test then runs inside a transaction that is rolled back, while the app's own
commits become savepoints (SQLAlchemy's "join an external transaction" recipe).
"""

from __future__ import annotations

import os
import re

import flask_migrate
import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import select

from tests import pg_admin
from tracker.app import create_app
from tracker.directory.seed import seed_reference_data
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks
from tracker.roadblocks.models import RoadBlock

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
# One database per run, so parallel runs on one machine do not trip over each other.
TEST_DB = os.environ.get("TEST_PG_DB", f"tracker_test_{os.getpid()}")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client(FlaskClient):
    """A test client that fetches a CSRF token the way a browser would: from a rendered page.

    Each request runs in its own app context (own `g`, own database session, own current user),
    as in production, even while a test holds an app context open to call services.
    """

    csrf_token: str | None = None

    def open(self, *args, **kwargs):
        outer = _cv_app.get(None)
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if outer is not None:
                db.session.expire_all()  # the test's own session sees what the request wrote

    def token(self) -> str:
        if self.csrf_token is None:
            page = self.get("/auth/login" if not self._signed_in() else "/")
            match = CSRF_RE.search(page.get_data(as_text=True))
            assert match, "no CSRF token on the page"
            self.csrf_token = match.group(1)
        return self.csrf_token

    def _signed_in(self) -> bool:
        with self.session_transaction() as session:
            return "_user_id" in session

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        """POST like a browser form, with the page's CSRF token."""
        return self.post(url, data={"csrf_token": self.token(), **(data or {})}, **kwargs)

    def login(self, email: str, password: str):
        self.csrf_token = None
        response = self.post_form("/auth/login", {"email": email, "password": password})
        self.csrf_token = None  # the session is renewed on sign-in
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    pg_admin.recreate(TEST_DB)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"{PG_URL}/{TEST_DB}",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "SESSION_COOKIE_SECURE": False,
            "PUBLIC_URL": "http://localhost",
            # Off, so every test sees what it just wrote; tests/test_insights_cache.py turns it on.
            "INSIGHTS_CACHE_SECONDS": 0,
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        }
    )
    app.test_client_class = Client
    with app.app_context():
        flask_migrate.upgrade()
        seed_reference_data()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()
    pg_admin.drop(TEST_DB)


@pytest.fixture(autouse=True)
def _isolated(request, app):
    """Run each test in a transaction that is rolled back; app commits become savepoints."""
    if "no_db_isolation" in request.keywords:
        yield
        return
    with app.app_context():
        engines = db.engines
        originals = dict(engines)
        connection = originals[None].connect()
        transaction = connection.begin()
        engines[None] = connection
        db.session.remove()
        db.session.session_factory.configure(join_transaction_mode="create_savepoint")
        try:
            yield
            _road_block_counts_kept()
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            engines.update(originals)


def _road_block_counts_kept() -> None:
    """The road blocks' stored counts equal a count from scratch after every test, so a change
    that forgets `refresh_counts` fails whichever test makes it (see test_roadblock_counts)."""
    db.session.remove()
    kept = {
        road_block_id: (dsvs, items)
        for road_block_id, dsvs, items in db.session.execute(
            select(RoadBlock.id, RoadBlock.dsv_count, RoadBlock.bottleneck_count)
        )
        if (dsvs, items) != (0, 0)
    }
    assert kept == road_blocks.recount(), "stored road block counts drifted from a recount"


@pytest.fixture
def ctx(app):
    """An app context for calling services directly, as the workers do."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free port; the app delivers to it for the duration of the test."""
    from tests.mail import SmtpServer

    with SmtpServer() as server:
        saved = {key: app.config[key] for key in ("MAIL_TRANSPORT", "MAIL_SERVER", "MAIL_PORT")}
        app.config.update(MAIL_TRANSPORT="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            yield server
        finally:
            app.config.update(saved)

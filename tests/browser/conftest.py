"""The real app on a loopback port, driven by Debian's Chromium through Playwright.

One server, one database (migrations + seed + the demo set) and one browser per run; each test
gets fresh browser contexts (one per person). The app's clock can be moved forward for the
server and for the worker services the test calls, so deadlines and digest windows pass.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests import pg_admin
from tests.conftest import PG_URL
from tests.mail import SmtpServer
from tracker.app import create_app
from tracker.core.timeutil import clock_at
from tracker.demo import PASSWORD, load_demo
from tracker.extensions import db

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "screenshots"
expect.set_options(timeout=10_000)


#: For every test module here: selectable with `-m browser`; the live app has its own database.
MARKS = [pytest.mark.browser, pytest.mark.no_db_isolation]


class Clock:
    """The app's clock, shared by the server thread and the test: real time plus an offset."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move(self, **delta) -> datetime:
        self.offset += timedelta(**delta)
        return self.now()

    def wrap(self, wsgi):
        def app(environ, start_response):
            if not self.offset:
                return wsgi(environ, start_response)
            with clock_at(self.now()):
                return list(wsgi(environ, start_response))

        return app


class Live:
    def __init__(self, app, url: str, clock: Clock, smtp: SmtpServer) -> None:
        self.app, self.url, self.clock, self.smtp = app, url, clock, smtp

    def worker(self):
        """An app context at the moved clock, as a Celery task runs."""
        return _WorkerContext(self)


class _WorkerContext:
    def __init__(self, live: Live) -> None:
        self.live = live

    def __enter__(self):
        self._app = self.live.app.app_context()
        self._app.push()
        self._clock = clock_at(self.live.clock.now())
        self._clock.__enter__()
        return self

    def __exit__(self, *exc):
        self._clock.__exit__(*exc)
        db.session.remove()
        self._app.pop()


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[Live]:
    name = f"tracker_browser_{os.getpid()}"
    pg_admin.recreate(name)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"{PG_URL}/{name}",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            # As in production (the overview pages then say how old their figures are), in a
            # cache of this run only.
            "CACHE_TYPE": "FileSystemCache",
            "CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        db.session.remove()
    clock = Clock()
    server = make_server("127.0.0.1", 0, clock.wrap(app), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with SmtpServer() as smtp:
        app.config.update(
            PUBLIC_URL=url, MAIL_TRANSPORT="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port
        )
        thread.start()
        try:
            yield Live(app, url, clock, smtp)
        finally:
            server.shutdown()
            thread.join()
            with app.app_context():
                db.engine.dispose()
            pg_admin.drop(name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        pages = item.funcargs.get("people")
        if pages is not None:
            SCREENSHOTS.mkdir(exist_ok=True)
            for n, page in enumerate(pages.open_pages()):
                try:
                    page.screenshot(path=SCREENSHOTS / f"{item.name}-{n}.png", full_page=True)
                except Exception as error:  # a closed page must not hide the real failure
                    report.sections.append(("screenshot", f"page {n}: {error}"))
    return report


class People:
    """Opens a browser context per person, signed in, in the chosen language."""

    def __init__(self, browser: Browser, live: Live) -> None:
        self.browser, self.live = browser, live
        self.contexts: list[BrowserContext] = []

    def sign_in(self, email: str, language: str = "nl") -> Page:
        context = self.browser.new_context(base_url=self.live.url, locale=language)
        self.contexts.append(context)
        page = context.new_page()
        page.goto("/auth/login")
        sign_in(page, email)
        set_language(page, language)
        return page

    def open_pages(self) -> list[Page]:
        return [page for context in self.contexts for page in context.pages]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def sign_in(page: Page, email: str) -> None:
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button").first.click()
    expect(page.locator("nav.main-nav")).to_be_visible()


def set_language(page: Page, language: str) -> None:
    if page.locator("html").get_attribute("lang") != language:
        page.locator("form.language button").click()
        expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.fixture
def people(browser, live) -> Iterator[People]:
    people = People(browser, live)
    yield people
    people.close()

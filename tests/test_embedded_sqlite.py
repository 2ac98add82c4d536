"""The embedded default: SQLite built by the same migrations, seeded, demo data, pages work."""

from __future__ import annotations

from datetime import UTC, datetime

import flask_migrate
import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import Client
from tracker.app import create_app
from tracker.bottlenecks.models import Bottleneck, BottleneckStatus
from tracker.demo import PASSWORD, load_demo
from tracker.escalations.models import Escalation
from tracker.extensions import db


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("embedded") / "tracker.db"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SESSION_COOKIE_SECURE": False,
            "INSIGHTS_CACHE_SECONDS": 0,
            "CACHE_DIR": str(path.parent / "cache"),
        }
    )
    app.test_client_class = Client
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        db.session.remove()
    return app


pytestmark = pytest.mark.no_db_isolation


def test_demo_data_covers_every_building_block_at_every_status(sqlite_app):
    with sqlite_app.app_context():
        pairs = set(
            db.session.execute(
                select(Bottleneck.building_block_id, Bottleneck.status).distinct()
            ).all()
        )
        blocks = {block for block, _ in pairs}
        assert len(blocks) == 7
        for block in blocks:
            assert {status for b, status in pairs if b == block} == set(BottleneckStatus), block


def test_demo_data_has_late_escalations(sqlite_app):
    from tracker.core.timeutil import utcnow

    with sqlite_app.app_context():
        late = db.session.scalar(
            select(func.count()).select_from(Escalation).where(Escalation.due_at < utcnow())
        )
        assert late >= 7


def test_demo_load_is_idempotent(sqlite_app):
    with sqlite_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Bottleneck))
        load_demo()
        assert db.session.scalar(select(func.count()).select_from(Bottleneck)) == before


def test_a_coordinator_and_a_liaison_use_the_embedded_app(sqlite_app):
    coordinator = sqlite_app.test_client()
    assert coordinator.login("anouk@demo.example", PASSWORD).status_code == 302
    assert coordinator.get("/").status_code == 200
    assert coordinator.get("/bottlenecks/?late=very_late").status_code == 200
    with sqlite_app.app_context():
        escalation = db.session.scalars(
            select(Escalation).where(Escalation.status == "submitted").order_by(Escalation.id)
        ).first()
        target, version = escalation.id, escalation.version
        party_name, liaison_email = escalation.party.name, escalation.party.liaisons[0].email
    liaison = sqlite_app.test_client()
    liaison.login(liaison_email, PASSWORD)
    assert party_name in liaison.get("/inbox").get_data(as_text=True)
    response = liaison.post_form(f"/escalations/{target}/acknowledge", {"version": version})
    assert response.status_code == 302
    with sqlite_app.app_context():
        assert db.session.get(Escalation, target).status == "acknowledged"


def test_the_overview_works_on_sqlite_with_medians_computed_in_python(sqlite_app):
    client = sqlite_app.test_client()
    assert client.login("admin@demo.example", PASSWORD).status_code == 302
    charts = client.get("/insights/")
    assert charts.status_code == 200 and 'role="img"' in charts.get_data(as_text=True)
    times = client.get("/insights/response-times").get_data(as_text=True)
    assert '<td class="numeric">' in times  # a table row per party, medians included
    assert client.get("/insights/congestion").status_code == 200
    assert client.get("/insights/response-times.csv").status_code == 200


def test_healthz_reports_the_database(sqlite_app):
    response = sqlite_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_similar_suggestions_fall_back_to_word_matching_on_sqlite(sqlite_app):
    from tracker.auth.models import User
    from tracker.duplicates import search

    with sqlite_app.test_request_context():
        coordinator = db.session.scalars(select(User).where(User.dsvs.any())).first()
        others = select(Bottleneck).where(Bottleneck.dsv_id.not_in(coordinator.dsv_ids))
        public = db.session.scalars(others.where(Bottleneck.is_confidential.is_(False))).first()
        secret = db.session.scalars(others.where(Bottleneck.is_confidential.is_(True))).first()
        found = search.similar(coordinator, public.title.upper())
        assert public.id in [b.id for b in found.bottlenecks]
        assert secret.id not in [
            b.id for b in search.similar(coordinator, secret.title).bottlenecks
        ]


def test_the_api_inbox_and_its_rate_limit_work_on_sqlite(sqlite_app):
    from tracker.api import tokens
    from tracker.api.models import ApiRateWindow
    from tracker.auth.models import User

    with sqlite_app.test_request_context():
        liaison = db.session.scalars(select(User).where(User.parties.any())).first()
        raw = tokens.create_token(liaison, "Zaaksysteem", "read")
    client = sqlite_app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    sqlite_app.config["API_RATE_LIMIT"] = 2
    try:
        with time_machine.travel(datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC), tick=False):
            inbox = client.get("/api/v1/escalations?limit=2", headers=headers)
            assert inbox.status_code == 200 and inbox.json["next_cursor"]
            second = client.get(
                "/api/v1/escalations",
                query_string={"cursor": inbox.json["next_cursor"]},
                headers=headers,
            )
            assert second.status_code == 200
            assert client.get("/api/v1/me", headers=headers).status_code == 429
    finally:
        sqlite_app.config["API_RATE_LIMIT"] = 300
    with sqlite_app.app_context():
        assert db.session.scalars(select(ApiRateWindow.count)).all() == [3]


def test_the_overview_counts_on_sqlite_agree_with_the_python_view_rule(sqlite_app):
    from tests import insights_oracle
    from tracker.auth.models import User
    from tracker.core.timeutil import utcnow
    from tracker.insights.period import Period, add_months

    with sqlite_app.test_request_context():
        recent = Period.last_twelve_months(utcnow())
        longer = Period(add_months(recent.first, -36), recent.last)
        for user in db.session.scalars(select(User)):
            for period in (recent, longer):
                expected = insights_oracle.expected(user, period)
                assert sum(expected["month"].values()) > 0
                assert insights_oracle.actual(user, period) == expected, user.email


def test_the_embedded_default_caches_the_overview_in_files(sqlite_app):
    from pathlib import Path

    from sqlalchemy import event

    client = sqlite_app.test_client()
    assert client.login("admin@demo.example", PASSWORD).status_code == 302
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with sqlite_app.app_context():
        engine = db.engine
    sqlite_app.config["INSIGHTS_CACHE_SECONDS"] = 300
    try:
        assert client.get("/insights/").status_code == 200
        event.listen(engine, "before_cursor_execute", record)
        page = client.get("/insights/").get_data(as_text=True)
    finally:
        sqlite_app.config["INSIGHTS_CACHE_SECONDS"] = 0
        event.remove(engine, "before_cursor_execute", record)
    assert "elke 5 minuten ververst" in page
    assert len(statements) == 1  # the signed-in user: the figures came from the files
    assert any(Path(sqlite_app.config["CACHE_DIR"]).iterdir())

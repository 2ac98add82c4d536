"""Overview page figures: query count and wall time of the three insights pages.

`python -m bench.pages` builds a scratch PostgreSQL database (`tracker_bench_pages`, recreated
each run) with the worker bench's 50k bottlenecks and escalations, spread over a year, DSVs in
one to three networks, a third of the escalations answered and 500 road blocks. `--demo` runs
the same measurements on the `flask demo` data in a temporary SQLite file instead.
Not part of `make test`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

import flask_migrate
from sqlalchemy import event, insert, select, text
from werkzeug.security import generate_password_hash

from bench.workers import ESCALATIONS, PG_URL, generate
from tests import pg_admin
from tests.conftest import Client
from tracker.app import create_app
from tracker.auth.models import User, party_members
from tracker.bottlenecks.models import Bottleneck
from tracker.directory.models import Dsv, Network, Party, dsv_networks
from tracker.extensions import db
from tracker.roadblocks.models import RoadBlock, RoadBlockMember

DB_NAME = "tracker_bench_pages"
PASSWORD = "bench-wachtwoord"
ROAD_BLOCKS = 500
PAGES = ("/insights/", "/insights/response-times", "/insights/congestion")


def spread(now: datetime) -> None:
    """On top of bench.workers.generate: a year of history, networks, answers, road blocks."""
    db.session.execute(
        text(
            "UPDATE bottlenecks SET created_at = :now - (id % 360) * interval '1 day',"
            " updated_at = :now - (id % 360) * interval '1 day' + interval '2 days'"
        ),
        {"now": now},
    )
    db.session.execute(
        text(
            "UPDATE escalations e SET submitted_at = b.created_at + interval '1 day'"
            " FROM bottlenecks b WHERE b.id = e.bottleneck_id"
        )
    )
    db.session.execute(
        text(
            "UPDATE escalations SET status = 'answered', due_at = NULL, very_late_at = NULL,"
            " acknowledged_at = submitted_at + (id % 6) * interval '1 day',"
            " answered_at = submitted_at + (id % 45) * interval '1 day',"
            " answer_due_at = submitted_at + interval '28 days' WHERE id % 3 = 0"
        )
    )
    networks = list(db.session.scalars(select(Network.id).order_by(Network.id)))
    dsvs = list(db.session.scalars(select(Dsv.id).order_by(Dsv.id)))
    links = {(d, networks[i % len(networks)]) for i, d in enumerate(dsvs)}
    links |= {(d, networks[(i + 1) % len(networks)]) for i, d in enumerate(dsvs) if i % 3 == 0}
    links |= {(d, networks[(i + 3) % len(networks)]) for i, d in enumerate(dsvs) if i % 10 == 0}
    db.session.execute(insert(dsv_networks), [{"dsv_id": d, "network_id": n} for d, n in links])
    creator = db.session.scalar(select(User.id).order_by(User.id))
    public = list(
        db.session.scalars(
            select(Bottleneck.id)
            .where(Bottleneck.is_confidential.is_(False))
            .order_by(Bottleneck.id)
        )
    )
    db.session.execute(
        insert(RoadBlock),
        [
            {
                "title": f"Systeemknelpunt {n}",
                "description": "",
                "building_block_id": 1 + n % 7,
                "status": "open",
                "created_by_id": creator,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for n in range(ROAD_BLOCKS)
        ],
    )
    road_blocks = list(db.session.scalars(select(RoadBlock.id).order_by(RoadBlock.id)))
    db.session.execute(
        insert(RoadBlockMember),
        [
            {"road_block_id": r, "bottleneck_id": public[i * 5 + k], "added_by_id": creator}
            for i, r in enumerate(road_blocks)
            for k in range(5)
        ],
    )
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def viewers() -> dict[str, str]:
    """Programme staff and a liaison of the party with most escalations, with a known password."""
    password_hash = generate_password_hash(PASSWORD)
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
    if admin is None:
        admin = User(name="Bench admin", email="admin@bench.example", is_admin=True)
        db.session.add(admin)
    liaison, party = db.session.execute(
        select(User, Party)
        .join(party_members, party_members.c.user_id == User.id)
        .join(Party, Party.id == party_members.c.party_id)
        .order_by(Party.id, User.id)
        .limit(1)
    ).one()
    for user in (admin, liaison):
        user.password_hash = password_hash
    db.session.commit()
    return {"programme staff": admin.email, f"liaison ({party.name})": liaison.email}


def measure(app, logins: dict[str, str]) -> list[tuple[str, str, int, float]]:
    """(viewer, page, queries, best of three seconds) for every page."""
    with app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def count(*args, **kwargs):
        counter["n"] += 1

    rows = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for viewer, email in logins.items():
            client = app.test_client()
            assert client.login(email, PASSWORD).status_code == 302
            for url in PAGES:
                seconds = []
                for _ in range(3):
                    counter["n"] = 0
                    started = time.perf_counter()
                    response = client.get(url)
                    seconds.append(time.perf_counter() - started)
                    assert response.status_code == 200, (url, response.status_code)
                rows.append((viewer, url, counter["n"], min(seconds)))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return rows


def _app(uri: str):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": uri, "SESSION_COOKIE_SECURE": False, "TESTING": True}
    )
    app.test_client_class = Client
    return app


def demo() -> list[tuple[str, str, int, float]]:
    from tracker.demo import load_demo

    with tempfile.TemporaryDirectory() as folder:
        app = _app(f"sqlite:///{folder}/demo.db")
        with app.app_context():
            flask_migrate.upgrade()
            load_demo()
            logins = viewers()
            db.session.remove()
        return measure(app, logins)


def national() -> list[tuple[str, str, int, float]]:
    pg_admin.recreate(DB_NAME)
    app = _app(f"{PG_URL}/{DB_NAME}")
    try:
        with app.app_context():
            flask_migrate.upgrade()
            now = datetime.now(UTC)
            started = time.perf_counter()
            generate(now)
            spread(now)
            print(
                f"generated {ESCALATIONS:,} bottlenecks and escalations in "
                f"{time.perf_counter() - started:.1f} s"
            )
            logins = viewers()
            db.session.remove()
        return measure(app, logins)
    finally:
        with app.app_context():
            db.engine.dispose()
        pg_admin.drop(DB_NAME)


def main() -> None:
    rows = demo() if "--demo" in sys.argv else national()
    print()
    print(f"{'viewer':<32} {'page':<26} {'queries':>7} {'seconds':>8}")
    for viewer, url, queries, seconds in rows:
        print(f"{viewer:<32} {url:<26} {queries:>7} {seconds:>8.3f}")
    print(f"median page time: {statistics.median(r[3] for r in rows):.3f} s")


if __name__ == "__main__":
    main()

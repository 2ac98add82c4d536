"""Similar-suggestion lookup: queries and time per lookup at demo scale and at 50k bottlenecks.

Two scratch PostgreSQL databases (recreated each run): one with the demo data, one with 50,000
bottlenecks whose titles and descriptions are built from the vocabulary of real bottlenecks.
Prints a table; `make bench` runs it. Not part of `make test`.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, datetime

import flask_migrate
from sqlalchemy import bindparam, event, select, text, update

from bench.workers import PG_URL, generate
from tests import pg_admin
from tracker.app import create_app
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.demo import load_demo
from tracker.duplicates import search
from tracker.extensions import db

LOOKUPS = 30
SUBJECTS = [
    "wachtlijsten jeugdzorg",
    "populatiebekostiging preventie",
    "gegevensdeling huisarts en sociaal wijkteam",
    "inkoop zorgverzekeraar en gemeente",
    "governance regiotafel",
    "doorbetaling praktijkondersteuner",
    "schuldhulpverlening en gezondheid",
    "mantelzorgondersteuning",
    "valpreventie ouderen",
    "samenwerkingsafspraken sociaal domein",
]
PROBLEMS = [
    "loopt vast op",
    "wordt belemmerd door",
    "stopt na afloop van",
    "kent geen structurele bekostiging voor",
    "botst met de regels voor",
]
CAUSES = [
    "de AVG-uitleg",
    "de jaarlijkse subsidie",
    "prijs maal volume",
    "versnipperde contracten",
    "het ontbreken van een regionaal mandaat",
]
TYPED = [
    "Wachtlijst jeugdzorg",
    "Bekostiging preventieakoord",
    "Gegevens delen huisarts wijkteam",
    "Mantelzorg ondersteuning stopt",
    "Governance van de regiotafel",
]


def realistic_texts(rng: random.Random) -> tuple[str, str]:
    subject, problem, cause = rng.choice(SUBJECTS), rng.choice(PROBLEMS), rng.choice(CAUSES)
    title = f"{subject.capitalize()} {problem} {cause}"
    description = f"In onze regio {problem} {subject}: {cause}. " * 2
    return title[:200], description


def lookups(user: User) -> tuple[list[float], list[int]]:
    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    seconds, queries = [], []
    try:
        for n in range(LOOKUPS):
            typed = TYPED[n % len(TYPED)]
            counter["n"] = 0
            started = time.perf_counter()
            search.similar(user, typed, "Kinderen wachten maanden op hulp.")
            seconds.append(time.perf_counter() - started)
            queries.append(counter["n"])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seconds, queries


def measure(name: str, fill) -> tuple:
    pg_admin.recreate(name)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"{PG_URL}/{name}"})
    with app.test_request_context():
        flask_migrate.upgrade()
        fill()
        db.session.commit()
        # As autovacuum would after the bulk update: statistics, and no dead row versions or
        # pending GIN entries left for the lookups to wade through.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        total = db.session.scalar(select(db.func.count()).select_from(Bottleneck))
        user = db.session.scalars(select(User).where(User.dsvs.any()).order_by(User.id)).first()
        user = user or db.session.scalars(select(User).order_by(User.id)).first()
        lookups(user)  # warm the caches once
        seconds, queries = lookups(user)
        db.session.remove()
    return total, seconds, queries


def fill_50k() -> None:
    generate(datetime.now(UTC))
    rng = random.Random(7)
    ids = db.session.scalars(select(Bottleneck.id).order_by(Bottleneck.id)).all()
    rows = []
    for bottleneck_id in ids:
        title, description = realistic_texts(rng)
        rows.append({"b_id": bottleneck_id, "t": title, "d": description})
    table = Bottleneck.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(title=bindparam("t"), description=bindparam("d")),
        rows,
    )
    db.session.commit()


def main() -> None:
    os.environ.setdefault("BENCH_ESCALATIONS", "50000")
    print(f"{'data':<28} {'bottlenecks':>11} {'queries':>8} {'median ms':>10} {'max ms':>8}")
    for label, name, fill in (
        ("demo data", "tracker_bench_demo", load_demo),
        ("national scale", "tracker_bench_search", fill_50k),
    ):
        total, seconds, queries = measure(name, fill)
        print(
            f"{label:<28} {total:>11,} {max(queries):>8} "
            f"{statistics.median(seconds) * 1000:>10.1f} {max(seconds) * 1000:>8.1f}"
        )


if __name__ == "__main__":
    main()

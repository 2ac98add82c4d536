"""Profile one page on a kept national database: timings, each SQL statement's time, cProfile.

    BENCH_KEEP=50000 BENCH_SIZES=50000 python -m bench.page_timings   # once, keeps the database
    python -m bench.profile_page 50000 admin /insights/ [--requests 30] [--profile] [--api]

Viewers are those of `bench.page_timings` (admin, liaison, member). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

from sqlalchemy import event, select

from bench import page_timings
from tracker.api.models import Scope
from tracker.api.tokens import create_token
from tracker.auth.models import User
from tracker.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int)
    parser.add_argument("viewer", choices=["admin", "liaison", "member"])
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="cProfile five more requests")
    parser.add_argument("--api", action="store_true", help="send a read API token, not a cookie")
    args = parser.parse_args()

    app = page_timings.bench_app(args.size)
    with app.app_context():
        logins, _ = page_timings.prepare()
        engine = db.engine
        user = db.session.scalar(select(User).where(User.email == logins[args.viewer]))
        token = create_token(user, "profile", Scope.READ) if args.api else None
        db.session.remove()
    client = app.test_client()
    if token:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    else:
        assert client.login(logins[args.viewer], page_timings.PASSWORD).status_code == 302

    statements: list[tuple[float, str]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        context._bench_started = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((time.perf_counter() - context._bench_started, statement))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    assert client.get(args.url).status_code == 200  # warm-up
    times = []
    for _ in range(args.requests):
        statements.clear()
        started = time.perf_counter()
        response = client.get(args.url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    times.sort()
    p95 = times[max(0, round(len(times) * 0.95) - 1)]
    print(
        f"{args.url} as {args.viewer}: p50 {statistics.median(times) * 1000:.1f} ms,"
        f" p95 {p95 * 1000:.1f} ms, best {times[0] * 1000:.1f} ms, {len(statements)} queries"
    )
    for seconds, statement in statements:
        print(f"{seconds * 1000:8.2f} ms  {' '.join(statement.split())[:160]}")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(5):
            client.get(args.url)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(50)


if __name__ == "__main__":
    main()

"""Main-page timings at two national scales, against a hand-written "limit" measured alongside.

`python -m bench.page_timings` builds two scratch PostgreSQL databases with
`bench.national.generate` (5,000 and 50,000 bottlenecks; `BENCH_SIZES=5000,50000`) and, for each
main page and viewer, makes N requests through the Flask test client after one warm-up request:
p50/p95 server time and the SQL query count (a `before_cursor_execute` listener).

The limit of a page is what it could cost at best: one hand-written SQL query (`text()`) fetching
the rows the page shows, plus rendering the page's template once more with the objects the
request already loaded (so no query can happen while rendering). Not part of `make test`.

The overview pages are served from a cache (`INSIGHTS_CACHE_SECONDS`, files under instance/
here): they are measured as served (after the warm-up, every request is a hit) and, as
"... (cold)", with the cache emptied before each request.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import flask_migrate
from flask import template_rendered
from sqlalchemy import event, select, text
from werkzeug.security import generate_password_hash

from bench.national import generate
from bench.workers import PG_URL
from tests import pg_admin
from tests.conftest import Client
from tracker.api.models import Scope
from tracker.api.tokens import create_token
from tracker.app import create_app
from tracker.auth.models import User, dsv_members, party_members
from tracker.directory.models import Party
from tracker.escalations.models import Escalation
from tracker.extensions import cache, db

PASSWORD = "bench-wachtwoord"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 30))
SIZES = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "5000,50000").split(","))
TARGET_P95 = 0.050
TARGET_QUERIES = 10
TARGET_GROWTH = 1.3
TARGET_LIMIT_RATIO = 2.0
#: Pages named with this suffix are measured with the overview cache emptied before each request.
COLD = " (cold)"

# The rows each page shows, in one query. :dsvs, :parties, :per_page, :id are filled in per run.
LIST = """
SELECT b.id, b.title, b.status, b.impact, b.updated_at, d.name AS dsv, bb.name_nl AS block,
       u.name AS owner,
       (SELECT string_agg(p.name, ', ') FROM escalations e JOIN parties p ON p.id = e.party_id
         WHERE e.bottleneck_id = b.id) AS parties,
       (SELECT count(*) FROM bottlenecks x WHERE {where_x}) AS total
FROM bottlenecks b JOIN dsvs d ON d.id = b.dsv_id
JOIN building_blocks bb ON bb.id = b.building_block_id JOIN users u ON u.id = b.owner_id
WHERE {where_b} ORDER BY b.updated_at DESC, b.id DESC LIMIT :per_page
"""
LIMITS = {
    "dashboard": LIST.format(
        where_x="x.dsv_id = ANY(:dsvs) AND x.status IN ('open', 'escalated', 'answered')",
        where_b="b.dsv_id = ANY(:dsvs) AND b.status IN ('open', 'escalated', 'answered')",
    ).replace(":per_page", "50"),
    "bottlenecks": LIST.format(where_x="true", where_b="true"),
    "bottlenecks filtered": LIST.format(
        where_x="x.status = 'escalated' AND x.building_block_id = 6",
        where_b="b.status = 'escalated' AND b.building_block_id = 6",
    ),
    "bottleneck detail": """
SELECT b.*, d.name, bb.name_nl, u.name AS owner, e.id AS escalation, e.status AS e_status,
       p.name AS party, t.kind, t.created_at AS at, t.new_value, a.name AS actor
FROM bottlenecks b JOIN dsvs d ON d.id = b.dsv_id
JOIN building_blocks bb ON bb.id = b.building_block_id JOIN users u ON u.id = b.owner_id
LEFT JOIN escalations e ON e.bottleneck_id = b.id LEFT JOIN parties p ON p.id = e.party_id
LEFT JOIN timeline_events t ON t.subject_type = 'bottleneck' AND t.subject_id = b.id
LEFT JOIN users a ON a.id = t.actor_id WHERE b.id = :id""",
    "inbox": """
SELECT e.*, p.name AS party, b.title, d.name AS dsv, bb.name_nl AS block,
       (SELECT count(*) FROM escalations x WHERE x.party_id = ANY(:parties)) AS total
FROM escalations e JOIN parties p ON p.id = e.party_id JOIN bottlenecks b ON b.id = e.bottleneck_id
JOIN dsvs d ON d.id = b.dsv_id JOIN building_blocks bb ON bb.id = b.building_block_id
WHERE e.party_id = ANY(:parties)
ORDER BY e.due_at IS NULL, e.due_at, e.submitted_at DESC LIMIT :per_page""",
    "road blocks": """
SELECT r.*, bb.name_nl, p.name,
       (SELECT count(*) FROM road_block_members m WHERE m.road_block_id = r.id) AS members,
       (SELECT count(*) FROM road_blocks) AS total
FROM road_blocks r JOIN building_blocks bb ON bb.id = r.building_block_id
LEFT JOIN parties p ON p.id = r.party_id ORDER BY r.updated_at DESC LIMIT :per_page""",
    "road block detail": """
SELECT r.*, b.id, b.title, b.status, d.name, c.context, cd.name
FROM road_blocks r JOIN road_block_members m ON m.road_block_id = r.id
JOIN bottlenecks b ON b.id = m.bottleneck_id JOIN dsvs d ON d.id = b.dsv_id
LEFT JOIN cosignatures c ON c.road_block_id = r.id LEFT JOIN dsvs cd ON cd.id = c.dsv_id
WHERE r.id = :id""",
    "events": """
SELECT ev.*, p.name, n.name, (SELECT count(*) FROM event_registrations g
  WHERE g.event_id = ev.id AND g.status = 'confirmed') AS seats
FROM events ev LEFT JOIN parties p ON p.id = ev.organiser_party_id
LEFT JOIN networks n ON n.id = ev.organiser_network_id
WHERE ev.starts_at >= now() AND ev.status = 'planned' ORDER BY ev.starts_at LIMIT :per_page""",
    "event detail": """
SELECT ev.*, a.position, r.title, b.title, g.status, u.name
FROM events ev LEFT JOIN event_agenda_items a ON a.event_id = ev.id
LEFT JOIN road_blocks r ON r.id = a.road_block_id LEFT JOIN bottlenecks b ON b.id = a.bottleneck_id
LEFT JOIN event_registrations g ON g.event_id = ev.id LEFT JOIN users u ON u.id = g.user_id
WHERE ev.id = :id""",
    "insights": """
SELECT bb.name_nl, b.status, date_trunc('month', b.created_at), count(*)
FROM bottlenecks b JOIN building_blocks bb ON bb.id = b.building_block_id
WHERE b.created_at >= now() - interval '12 months' AND b.merged_into_id IS NULL
GROUP BY 1, 2, 3""",
    "response times": """
SELECT p.name, count(*), percentile_cont(0.5) WITHIN GROUP
  (ORDER BY extract(epoch FROM e.answered_at - e.submitted_at))
FROM escalations e JOIN parties p ON p.id = e.party_id
WHERE e.submitted_at >= now() - interval '12 months' GROUP BY p.name""",
    "congestion": """
SELECT n.name, count(DISTINCT b.id) FROM networks n JOIN dsv_networks dn ON dn.network_id = n.id
JOIN bottlenecks b ON b.dsv_id = dn.dsv_id
WHERE b.status IN ('open', 'escalated', 'answered') GROUP BY n.name""",
    "digests": """
SELECT g.* FROM digests g WHERE g.party_id = :party ORDER BY g.window_end DESC
LIMIT :per_page""",
    "registry: DSVs": """
SELECT d.*, (SELECT string_agg(n.name, ', ') FROM dsv_networks dn JOIN networks n
  ON n.id = dn.network_id WHERE dn.dsv_id = d.id), (SELECT count(*) FROM dsvs)
FROM dsvs d ORDER BY d.name LIMIT :per_page""",
    "registry: users": """
SELECT u.*, (SELECT count(*) FROM users) FROM users u ORDER BY u.name LIMIT :per_page""",
}


@dataclass
class Figures:
    viewer: str
    page: str
    url: str
    queries: int
    times: list[float]
    limit: float = 0.0
    limit_parts: tuple[float, float] = (0.0, 0.0)
    extra: dict = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times, n=20)[-1]


def api_pages(ids: dict) -> list[tuple[str, str, str, str | None]]:
    """(viewer, name, url, limit key) for every JSON API list; the viewer's client sends a
    read token. The limit is the matching page's SQL (no template is rendered)."""
    since = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        ("admin", "API: bottlenecks", "/api/v1/bottlenecks", "bottlenecks"),
        ("member", "API: bottlenecks", "/api/v1/bottlenecks", None),
        ("liaison", "API: escalations", "/api/v1/escalations", "inbox"),
        ("admin", "API: road blocks", "/api/v1/road-blocks", "road blocks"),
        ("admin", "API: events", "/api/v1/events", "events"),
        ("admin", "API: DSVs", "/api/v1/dsvs", "registry: DSVs"),
        ("liaison", "API: updates (30 days)", f"/api/v1/updates?since={since}", None),
    ]


def pages(ids: dict) -> list[tuple[str, str, str, str | None]]:
    """(viewer, page name, url, limit key) for every main page."""
    b, r, e, slug = ids["bottleneck"], ids["road_block"], ids["event"], ids["party_slug"]
    return [
        ("member", "dashboard", "/", "dashboard"),
        ("liaison", "dashboard", "/", None),
        ("admin", "bottlenecks", "/bottlenecks/", "bottlenecks"),
        (
            "admin",
            "bottlenecks filtered",
            "/bottlenecks/?status=escalated&block=6",
            "bottlenecks filtered",
        ),
        ("member", "bottlenecks", "/bottlenecks/", None),
        ("admin", "bottleneck detail", f"/bottlenecks/{b}", "bottleneck detail"),
        ("liaison", "bottleneck detail + escalation", f"/bottlenecks/{b}", "bottleneck detail"),
        ("liaison", "inbox", "/inbox", "inbox"),
        ("admin", "road blocks", "/road-blocks/", "road blocks"),
        ("admin", "road block detail", f"/road-blocks/{r}", "road block detail"),
        ("admin", "events", "/events/", "events"),
        ("admin", "event detail", f"/events/{e}", "event detail"),
        ("admin", "insights", "/insights/", "insights"),
        ("admin", "insights: response times", "/insights/response-times", "response times"),
        ("admin", "insights: congestion", "/insights/congestion", "congestion"),
        ("liaison", "insights", "/insights/", "insights"),
        # The same pages on a cache miss: every request computes its figures.
        ("admin", "insights" + COLD, "/insights/", "insights"),
        ("admin", "insights: response times" + COLD, "/insights/response-times", "response times"),
        ("admin", "insights: congestion" + COLD, "/insights/congestion", "congestion"),
        ("liaison", "insights" + COLD, "/insights/", "insights"),
        ("liaison", "digests", f"/digests/{slug}", "digests"),
        ("admin", "registry: DSVs", "/admin/dsvs/", "registry: DSVs"),
        ("admin", "registry: users", "/admin/users/", "registry: users"),
    ]


def prepare() -> tuple[dict[str, str], dict]:
    """Known passwords for an admin, the busiest party's liaison and a DSV member; page ids."""
    password_hash = generate_password_hash(PASSWORD)
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
    party = db.session.execute(
        text(
            "SELECT party_id FROM escalations GROUP BY party_id ORDER BY count(*) DESC, party_id"
            " LIMIT 1"
        )
    ).scalar()
    liaison = db.session.scalar(
        select(User).join(party_members).where(party_members.c.party_id == party).order_by(User.id)
    )
    member = db.session.scalar(select(User).join(dsv_members).order_by(User.id))
    for user in (admin, liaison, member):
        user.password_hash = password_hash
    bottleneck = db.session.scalar(
        select(Escalation.bottleneck_id).where(Escalation.party_id == party).order_by(Escalation.id)
    )
    ids = {
        "bottleneck": bottleneck,
        "road_block": db.session.execute(text("SELECT min(id) FROM road_blocks")).scalar(),
        "event": db.session.execute(
            text("SELECT min(id) FROM events WHERE audience = 'open'")
        ).scalar(),
        "party_slug": db.session.get(Party, party).slug,
        "party": party,
        "dsvs": [d.id for d in member.dsvs],
        "parties": [party],
    }
    db.session.commit()
    return {"admin": admin.email, "liaison": liaison.email, "member": member.email}, ids


class Recorder:
    """Counts queries; optionally re-renders each template to time rendering alone."""

    def __init__(self, app):
        self.queries = 0
        self.render_times: list[float] | None = None
        with app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        template_rendered.connect(self._rendered, app)

    def _count(self, *args, **kwargs):
        self.queries += 1

    def _rendered(self, sender, template, context, **extra):
        if self.render_times is None:
            return
        before = self.queries
        for _ in range(REQUESTS):
            started = time.perf_counter()
            template.render(context)
            self.render_times.append(time.perf_counter() - started)
        assert self.queries == before, f"{template.name} queried while re-rendering"


def measure(app, logins: dict[str, str], ids: dict) -> list[Figures]:
    recorder = Recorder(app)
    clients = {}
    for viewer, email in logins.items():
        clients[viewer] = app.test_client()
        assert clients[viewer].login(email, PASSWORD).status_code == 302
    params = {
        "dsvs": ids["dsvs"],
        "parties": ids["parties"],
        "party": ids["party"],
        "per_page": app.config["PER_PAGE"],
    }
    with app.app_context():
        for viewer, email in logins.items():
            user = db.session.scalar(select(User).where(User.email == email))
            token = create_token(user, "bench", Scope.READ)
            clients[f"api {viewer}"] = app.test_client()
            clients[f"api {viewer}"].environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        db.session.remove()
    results = []
    everything = [*pages(ids), *[(f"api {v}", n, u, k) for v, n, u, k in api_pages(ids)]]
    for viewer, name, url, limit_key in everything:
        client = clients[viewer]
        assert client.get(url).status_code == 200, (viewer, url)  # warm-up
        times, counts = [], set()
        for _ in range(REQUESTS):
            if name.endswith(COLD):
                with app.app_context():
                    cache.clear()
            recorder.queries = 0
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            counts.add(recorder.queries)
            assert response.status_code == 200, (viewer, url, response.status_code)
        figures = Figures(viewer.removeprefix("api "), name, url, max(counts), times)
        if limit_key:
            recorder.render_times = []
            client.get(url)
            render = statistics.median(recorder.render_times or [0.0])  # the API renders none
            recorder.render_times = None
            sql = text(LIMITS[limit_key])
            values = {**params, "id": ids["road_block"] if "road" in limit_key else None}
            if limit_key == "bottleneck detail":
                values["id"] = ids["bottleneck"]
            if limit_key == "event detail":
                values["id"] = ids["event"]
            sql_times = []
            with app.app_context():
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    db.session.execute(sql, values).mappings().all()
                    sql_times.append(time.perf_counter() - started)
                db.session.remove()
            figures.limit_parts = (statistics.median(sql_times), render)
            figures.limit = sum(figures.limit_parts)
        results.append(figures)
    event.remove(recorder.engine, "before_cursor_execute", recorder._count)
    template_rendered.disconnect(recorder._rendered, app)
    return results


def database(size: int) -> str:
    """The scratch database of this size (`BENCH_DB_PREFIX`: two checkouts side by side)."""
    return f"{os.environ.get('BENCH_DB_PREFIX', 'tracker_bench_pages')}_{size}"


def bench_app(size: int, **config):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"{PG_URL}/{database(size)}",
            "SESSION_COOKIE_SECURE": False,
            "TESTING": True,
            "API_RATE_LIMIT": 1_000_000,  # the per-token window is still counted on each call
            **config,
        }
    )
    app.test_client_class = Client
    gc.freeze()  # as gunicorn.conf.py does in each web worker once the app is loaded
    return app


def build(size: int):
    """A migrated, generated database of this size; returns the app bound to it.

    With `BENCH_REUSE=1` a database kept by an earlier run (`BENCH_KEEP`) is migrated and reused.
    """
    name = database(size)
    reuse = os.environ.get("BENCH_REUSE") == "1" and pg_admin.exists(name)
    if not reuse:
        pg_admin.recreate(name)
    app = bench_app(size)
    with app.app_context():
        flask_migrate.upgrade()
        if not reuse:
            started = time.perf_counter()
            counts = generate(size)
            print(f"generated {counts} in {time.perf_counter() - started:.0f} s")
        logins, ids = prepare()
        db.session.remove()
    return app, name, logins, ids


def table(size: int, rows: list[Figures]) -> str:
    lines = [
        "| viewer | page | queries | best ms | p50 ms | p95 ms | limit ms (SQL + render)"
        " | p50/limit |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in rows:
        limit = (
            f"{f.limit * 1000:.1f} ({f.limit_parts[0] * 1000:.1f} + {f.limit_parts[1] * 1000:.1f})"
            if f.limit
            else "-"
        )
        ratio = f"{f.p50 / f.limit:.1f}" if f.limit else "-"
        lines.append(
            f"| {f.viewer} | {f.page} | {f.queries} | {min(f.times) * 1000:.1f}"
            f" | {f.p50 * 1000:.1f} | {f.p95 * 1000:.1f}"
            f" | {limit} | {ratio} |"
        )
    return f"\n{size:,} bottlenecks, {REQUESTS} requests per page after a warm-up\n\n" + "\n".join(
        lines
    )


def compare(small: list[Figures], large: list[Figures]) -> str:
    lines = [
        "| viewer | page | queries (small/large) | p50 ratio large/small | misses |",
        "|---|---|---|---:|---|",
    ]
    for s, g in zip(small, large, strict=True):
        growth = g.p50 / s.p50
        misses = []
        if g.p95 > TARGET_P95:
            misses.append(f"p95 {g.p95 * 1000:.0f} ms")
        if g.queries > TARGET_QUERIES:
            misses.append(f"{g.queries} queries")
        if g.queries != s.queries:
            misses.append("query count grows")
        if growth > TARGET_GROWTH:
            misses.append(f"grows {growth:.2f}x")
        if g.limit and g.p50 / g.limit > TARGET_LIMIT_RATIO:
            misses.append(f"{g.p50 / g.limit:.1f}x the limit")
        lines.append(
            f"| {g.viewer} | {g.page} | {s.queries}/{g.queries} | {growth:.2f} |"
            f" {', '.join(misses) or 'all met'} |"
        )
    return "\n".join(lines)


def main() -> None:
    results = {}
    for size in SIZES:
        app, name, logins, ids = build(size)
        try:
            results[size] = measure(app, logins, ids)
        finally:
            with app.app_context():
                db.engine.dispose()
            if str(size) != os.environ.get("BENCH_KEEP"):  # the load run reuses this one
                pg_admin.drop(name)
        print(table(size, results[size]))
    if len(SIZES) == 2:
        print()
        print(compare(results[SIZES[0]], results[SIZES[1]]))


if __name__ == "__main__":
    main()

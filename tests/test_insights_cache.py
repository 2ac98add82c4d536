"""The overview's cache: figures up to INSIGHTS_CACHE_SECONDS old, said on the page, and never
computed for a wider scope than the viewer's (tracker/insights/cache.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event

from tests import builders
from tests.services import PrivateRedis
from tracker import authz, config
from tracker.core.timeutil import utcnow
from tracker.extensions import cache, db

BOTTLENECKS = re.compile(r"Knelpunten <span class=\"count\">(\d+)</span>")
FRESHNESS = re.compile(r"Cijfers van (\d\d:\d\d), elke 5 minuten ververst\.")
SECONDS = 300


@pytest.fixture
def cache_on(app):
    """The cache as in production (300 s), empty before and after the test."""
    app.config["INSIGHTS_CACHE_SECONDS"] = SECONDS
    with app.app_context():
        cache.clear()
    yield
    app.config["INSIGHTS_CACHE_SECONDS"] = 0
    with app.app_context():
        cache.clear()


@pytest.fixture
def world(ctx):
    return builders.World()


def _signed_in(app, person):
    client = app.test_client()
    client.login(person.email, builders.PASSWORD)
    return client


def _bottlenecks_on_overview(client) -> int:
    response = client.get("/insights/")
    assert response.status_code == 200
    return int(BOTTLENECKS.search(response.get_data(as_text=True))[1])


def _secret_of_the_other_dsv(world):
    """One public bottleneck of DSV Eigen, one confidential of DSV Ander."""
    builders.bottleneck(world.coordinator, title="Openbaar")
    return builders.bottleneck(world.other_coordinator, title="Geheim", confidential=True)


def test_a_dsv_member_never_gets_counts_computed_for_a_wider_scope(app, world, cache_on):
    _secret_of_the_other_dsv(world)
    # Programme staff, then the confidential bottleneck's own DSV, load the page first ...
    assert _bottlenecks_on_overview(_signed_in(app, world.admin)) == 1
    assert _bottlenecks_on_overview(_signed_in(app, world.other_coordinator)) == 2
    # ... and a member of the other DSV still gets figures for their own scope only.
    assert _bottlenecks_on_overview(_signed_in(app, world.coordinator)) == 1
    both = builders.user(dsvs=[world.dsv, world.other_dsv])
    db.session.commit()
    assert _bottlenecks_on_overview(_signed_in(app, both)) == 2


def test_a_liaison_of_another_party_never_gets_the_addressed_partys_counts(app, world, cache_on):
    secret = _secret_of_the_other_dsv(world)
    builders.escalation(world.other_coordinator, secret, world.party)
    db.session.commit()
    addressed = _signed_in(app, world.liaison)
    page = addressed.get("/insights/").get_data(as_text=True)
    assert BOTTLENECKS.search(page)[1] == "2" and "Partij Eigen" in page
    other = _signed_in(app, world.other_liaison).get("/insights/").get_data(as_text=True)
    assert BOTTLENECKS.search(other)[1] == "1" and "Partij Eigen" not in other


def test_someone_who_leaves_a_dsv_stops_seeing_its_figures_at_once(app, world, cache_on):
    _secret_of_the_other_dsv(world)
    leaver = builders.user(dsvs=[world.other_dsv])
    db.session.commit()
    client = _signed_in(app, leaver)
    assert _bottlenecks_on_overview(client) == 2
    leaver.dsvs = []
    db.session.commit()
    assert _bottlenecks_on_overview(client) == 1


def test_response_times_and_congestion_are_cached_per_scope_too(app, world, cache_on):
    public = builders.bottleneck(world.other_coordinator, title="Openbaar")
    secret = builders.bottleneck(world.other_coordinator, title="Geheim", confidential=True)
    builders.escalation(world.other_coordinator, public, world.other_party)
    builders.escalation(world.other_coordinator, secret, world.party)  # a second party: a theme
    db.session.commit()
    for url in ("/insights/response-times", "/insights/congestion"):
        assert "Partij Eigen" in _signed_in(app, world.liaison).get(url).get_data(as_text=True)
        outsider = _signed_in(app, world.coordinator).get(url).get_data(as_text=True)
        assert "Partij Eigen" not in outsider, url
        assert FRESHNESS.search(outsider), url


def test_figures_are_served_from_the_cache_and_say_how_old_they_are(app, world, cache_on):
    builders.bottleneck(world.coordinator)
    client = _signed_in(app, world.coordinator)
    first = client.get("/insights/").get_data(as_text=True)
    shown = FRESHNESS.search(first)[1]
    builders.bottleneck(world.coordinator, title="Net gemeld")
    db.session.commit()
    again = client.get("/insights/").get_data(as_text=True)
    assert BOTTLENECKS.search(again)[1] == "1"  # up to five minutes old ...
    assert FRESHNESS.search(again)[1] == shown  # ... and the page says from when
    with time_machine.travel(utcnow() + timedelta(seconds=SECONDS + 1)):
        later = client.get("/insights/").get_data(as_text=True)
    assert BOTTLENECKS.search(later)[1] == "2"


def test_the_time_is_amsterdam_time_and_english_pages_say_it_in_english(app, world, cache_on):
    with time_machine.travel("2026-07-01 16:05:00+00:00", tick=False):
        client = _signed_in(app, world.coordinator)
        dutch = client.get("/insights/congestion").get_data(as_text=True)
        client.post_form("/language", {"language": "en", "next": "/"})
        english = client.get("/insights/congestion").get_data(as_text=True)
    assert "Cijfers van 18:05, elke 5 minuten ververst." in dutch  # CEST
    assert "Figures as of 18:05, refreshed every 5 minutes." in english


def test_the_locale_and_the_period_are_part_of_the_key(app, world, cache_on):
    client = _signed_in(app, world.admin)
    assert "Bekostiging en financiering" in client.get("/insights/").get_data(as_text=True)
    client.post_form("/language", {"language": "en", "next": "/"})
    assert "Funding and financing" in client.get("/insights/").get_data(as_text=True)
    builders.bottleneck(world.coordinator)
    db.session.commit()
    this_month = utcnow().strftime("%Y-%m")
    page = client.get(f"/insights/?from={this_month}&to={this_month}").get_data(as_text=True)
    assert re.search(r"Bottlenecks <span class=\"count\">1</span>", page)


def test_csv_downloads_are_always_computed_for_the_request(app, world, cache_on):
    _signed_in(app, world.coordinator).get("/insights/response-times")
    builders.escalation(world.coordinator, builders.bottleneck(world.coordinator), world.party)
    db.session.commit()
    client = _signed_in(app, world.coordinator)
    assert "Partij Eigen" not in client.get("/insights/response-times").get_data(as_text=True)
    assert "Partij Eigen" in client.get("/insights/response-times.csv").get_data(as_text=True)


def test_a_warm_page_asks_the_database_only_for_the_signed_in_user(app, world, cache_on):
    client = _signed_in(app, world.admin)
    statements = []
    with app.app_context():
        engine = db.engines[None].engine

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            statements.append(statement)

    for url in ("/insights/", "/insights/response-times", "/insights/congestion"):
        client.get(url)
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert len(statements) == 1 and "FROM users" in statements[0], url
        statements.clear()


def test_without_the_cache_the_page_claims_no_age(app, world, client):
    client.login(world.admin.email, builders.PASSWORD)
    page = client.get("/insights/").get_data(as_text=True)
    assert BOTTLENECKS.search(page) and not FRESHNESS.search(page)


def test_viewers_share_an_entry_only_when_they_see_exactly_the_same(world):
    same = builders.user(dsvs=[world.dsv])
    programme_staff = authz.bottleneck_scope(world.admin)
    assert authz.bottleneck_scope(same) == authz.bottleneck_scope(world.coordinator)
    assert programme_staff == authz.bottleneck_scope(world.member)  # staff see what all see
    assert programme_staff.key == "d;p"
    keys = {
        authz.bottleneck_scope(person).key
        for person in (world.coordinator, world.other_coordinator, world.liaison, world.admin)
    }
    assert len(keys) == 4
    several = builders.user(dsvs=[world.other_dsv, world.dsv], parties=[world.party])
    ids = sorted([world.dsv.id, world.other_dsv.id])
    assert authz.bottleneck_scope(several).key == f"d{ids[0]},{ids[1]};p{world.party.id}"


@pytest.fixture
def redis_cache(app):
    """The production backend: Flask-Caching's RedisCache on a private redis-server."""
    server = PrivateRedis()
    server.start()
    settings = config._cache(app.instance_path, server.url)
    original = app.extensions["cache"][cache]
    cache.init_app(app, config=settings)
    app.config["INSIGHTS_CACHE_SECONDS"] = SECONDS
    try:
        yield server
    finally:
        app.config["INSIGHTS_CACHE_SECONDS"] = 0
        app.extensions["cache"][cache] = original
        server.stop()


def test_redis_holds_the_figures_and_a_dead_redis_costs_only_the_cache(app, world, redis_cache):
    import redis

    builders.bottleneck(world.coordinator)
    client = _signed_in(app, world.coordinator)
    assert _bottlenecks_on_overview(client) == 1
    keys = redis.Redis.from_url(redis_cache.url).keys("tracker-cache:insights:*")
    assert len(keys) == 1
    redis_cache.stop()
    builders.bottleneck(world.coordinator, title="Terwijl Redis ligt")
    db.session.commit()
    response = client.get("/insights/")
    assert response.status_code == 200
    assert BOTTLENECKS.search(response.get_data(as_text=True))[1] == "2"  # computed, fresh
    assert not FRESHNESS.search(response.get_data(as_text=True))


def test_production_uses_the_redis_of_the_broker_and_the_embedded_default_files(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("CACHE_REDIS_URL", raising=False)
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://queue.internal:6379/0")
    production = config.load(tmp_path)
    assert production["CACHE_TYPE"] == "RedisCache"
    assert production["CACHE_REDIS_URL"] == "redis://queue.internal:6379/0"
    assert production["CACHE_KEY_PREFIX"]  # clear() must never flush the broker's keys
    monkeypatch.setenv("CACHE_REDIS_URL", "redis://cache.internal:6379/2")
    assert config.load(tmp_path)["CACHE_REDIS_URL"] == "redis://cache.internal:6379/2"
    monkeypatch.delenv("CACHE_REDIS_URL")
    monkeypatch.delenv("CELERY_BROKER_URL")
    embedded = config.load(tmp_path)
    assert embedded["CACHE_TYPE"] == "FileSystemCache"
    assert embedded["CACHE_DIR"] == str(tmp_path / "cache")
    assert embedded["INSIGHTS_CACHE_SECONDS"] == 300


def test_two_installations_sharing_a_redis_never_share_figures(app, ctx):
    from tracker.insights.cache import cache_key

    scope = authz.BottleneckScope(True, (1,), ())
    ours = cache_key("overview", scope, ())
    saved = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://db.elsewhere/tracker"
    try:
        assert cache_key("overview", scope, ()) != ours
    finally:
        app.config["SQLALCHEMY_DATABASE_URI"] = saved
    assert cache_key("overview", scope, ()) == ours
    assert cache_key("overview", authz.BottleneckScope(True, (1, 2), ()), ()) != ours

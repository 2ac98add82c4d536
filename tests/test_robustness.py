"""Bad input never makes a 500: huge ids, tampered hidden fields, double submits, N+1 guards."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from tests import builders
from tests.htmlforms import form_fields
from tracker.bottlenecks.models import Bottleneck
from tracker.core.concurrency import conflicts_are_stale
from tracker.core.errors import StaleObject
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks


@pytest.fixture
def world(ctx):
    return builders.World()


def test_editing_submits_exactly_what_the_page_renders(client, world):
    item = builders.bottleneck(world.coordinator)
    client.login(world.coordinator.email, builders.PASSWORD)
    page = client.get(f"/bottlenecks/{item.id}/edit").get_data(as_text=True)
    data = form_fields(page, action="")
    assert "dsv_id" not in data and "version" in data
    data["title"] = "Nieuwe titel via het formulier"
    response = client.post(f"/bottlenecks/{item.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-600:]
    assert db.session.get(Bottleneck, item.id).title == "Nieuwe titel via het formulier"


@pytest.mark.parametrize("version", [None, "", "abc", "2x"])
def test_missing_or_tampered_version_is_a_422_not_a_500(client, world, version):
    item = builders.bottleneck(world.coordinator)
    client.login(world.coordinator.email, builders.PASSWORD)
    data = form_fields(client.get(f"/bottlenecks/{item.id}/edit").get_data(as_text=True), "")
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    assert client.post(f"/bottlenecks/{item.id}/edit", data=data).status_code == 422


def test_logging_the_same_form_twice_creates_one_bottleneck(client, world):
    client.login(world.coordinator.email, builders.PASSWORD)
    data = form_fields(client.get("/bottlenecks/new").get_data(as_text=True), "")
    data.update(
        title="Dubbel verstuurd",
        description="Eén keer graag",
        building_block_id=str(builders.block().id),
    )
    first = client.post("/bottlenecks/new", data=data)
    second = client.post("/bottlenecks/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    count = db.session.scalar(select(func.count()).where(Bottleneck.title == "Dubbel verstuurd"))
    assert count == 1


@pytest.mark.parametrize(
    "url",
    [
        "/bottlenecks/3000000000",
        "/bottlenecks/99999999999999999999999/edit",
        "/escalations/3000000000/acknowledge",
        "/admin/outbox/3000000000",
    ],
)
def test_ids_beyond_the_integer_range_are_a_404(client, world, url):
    client.login(world.admin.email, builders.PASSWORD)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/bottlenecks/?page=99999999999999999999",
        "/inbox?page=4e9",
        "/inbox?page=400000000000000000",
    ],
)
def test_absurd_page_numbers_are_harmless(client, world, url):
    client.login(world.liaison.email, builders.PASSWORD)
    assert client.get(url).status_code in (200, 400)


def test_valid_fields_are_not_marked_invalid_for_screen_readers(client, world):
    client.login(world.coordinator.email, builders.PASSWORD)
    page = client.get("/bottlenecks/new").get_data(as_text=True)
    assert 'aria-invalid="None"' not in page and 'aria-describedby="None"' not in page
    invalid = client.post_form("/bottlenecks/new", {"dsv_id": world.dsv.id, "title": ""})
    assert 'aria-invalid="true"' in invalid.get_data(as_text=True)


def test_action_page_for_a_step_that_is_not_possible_now_is_a_409(client, world):
    item = builders.bottleneck(world.coordinator)
    escalation = builders.escalation(world.coordinator, item, world.party)
    client.login(world.coordinator.email, builders.PASSWORD)
    assert client.get(f"/escalations/{escalation.id}/reopen").status_code == 409


def test_a_lost_race_becomes_a_409_with_the_session_rolled_back(world):
    @conflicts_are_stale
    def racing():
        raise StaleDataError("row changed underneath")

    with pytest.raises(StaleObject):
        racing()


def _raise_in_postgres(sqlstate: str) -> None:
    """Make PostgreSQL itself fail the statement with this SQLSTATE (as a real deadlock would)."""
    db.session.execute(
        text(f"DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '{sqlstate}'; END $$")
    )


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])  # deadlock, serialization failure
def test_the_database_breaking_a_deadlock_becomes_a_409(world, sqlstate):
    @conflicts_are_stale
    def racing():
        _raise_in_postgres(sqlstate)

    with pytest.raises(StaleObject):
        racing()
    assert db.session.execute(select(func.count()).select_from(Bottleneck)).scalar() >= 0


def test_other_database_errors_are_not_passed_off_as_races(world):
    @conflicts_are_stale
    def broken():
        _raise_in_postgres("22012")  # division_by_zero: a bug, not a race

    with pytest.raises(DBAPIError):
        broken()
    db.session.rollback()


@pytest.fixture
def count_queries(app):
    counter = {"n": 0}

    def before(*args, **kwargs):
        counter["n"] += 1

    with app.app_context():
        engine = db.engines[None].engine
    event.listen(engine, "before_cursor_execute", before)
    yield counter
    event.remove(engine, "before_cursor_execute", before)


def _queries_for(client, url, counter) -> int:
    counter["n"] = 0
    assert client.get(url).status_code == 200
    return counter["n"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/dsvs/",
        "/admin/users/",
        "/admin/parties/",
        "/admin/networks/",
        "/bottlenecks/",
        "/inbox",
        "/",
        "/bottlenecks/export.csv",
        "/inbox/export.csv",
        "/admin/dsvs/export.csv",
        "/admin/users/export.csv",
    ],
)
def test_list_pages_use_the_same_number_of_queries_for_few_or_many_rows(
    client, world, count_queries, url
):
    admin_liaison = builders.user(admin=True, parties=[world.party], dsvs=[world.dsv])
    db.session.commit()
    client.login(admin_liaison.email, builders.PASSWORD)

    def grow():
        for _ in range(3):
            dsv = builders.dsv(networks=[builders.network(builders.party())])
            member = builders.user(dsvs=[dsv, world.dsv], parties=[world.party])
            item = builders.bottleneck(member, dsv)
            builders.escalation(member, item, world.party)

    grow()
    few = _queries_for(client, url, count_queries)
    grow()
    grow()
    many = _queries_for(client, url, count_queries)
    assert few > 0
    assert many == few, f"{url}: {few} queries with few rows, {many} with more"


@pytest.mark.parametrize(
    "url",
    [
        "/insights/",
        "/insights/response-times",
        "/insights/response-times.csv",
        "/insights/congestion",
        "/insights/congestion/road-blocks.csv",
        "/road-blocks/export.csv",
    ],
)
def test_overview_pages_use_the_same_number_of_queries_for_few_or_many_rows(
    client, world, count_queries, url
):
    client.login(world.liaison.email, builders.PASSWORD)

    def grow():
        """DSVs in two networks, escalated to two parties, grouped into a road block."""
        items = []
        for confidential in (False, False, True):
            dsv = builders.dsv(networks=[builders.network(), builders.network()])
            member = builders.user(dsvs=[dsv])
            item = builders.bottleneck(member, dsv, confidential=confidential)
            builders.escalation(member, item, world.party)
            builders.escalation(member, item, builders.party())
            items.append(item)
        road_blocks.create(
            world.admin,
            title="Systeemknelpunt",
            description="",
            building_block_id=items[0].building_block_id,
            party_id=None,
            bottleneck_ids=[i.id for i in items if not i.is_confidential],
        )

    grow()
    few = _queries_for(client, url, count_queries)
    grow()
    grow()
    many = _queries_for(client, url, count_queries)
    assert few > 0
    assert many == few, f"{url}: {few} queries with few rows, {many} with more"


def test_registry_lists_are_paginated(client, world):
    for _ in range(55):
        builders.dsv()
    db.session.commit()
    client.login(world.admin.email, builders.PASSWORD)
    first = client.get("/admin/dsvs/").get_data(as_text=True)
    assert "/admin/dsvs/?page=2" in first
    second = client.get("/admin/dsvs/?page=2")
    assert second.status_code == 200 and "Test DSV" in second.get_data(as_text=True)


def test_nul_and_control_characters_are_dropped_from_forms_and_json(app, client, ctx):
    from tracker.core.requests import clean

    world = builders.World()
    client.login(world.coordinator.email, builders.PASSWORD)
    response = client.post_form(
        "/bottlenecks/new",
        {
            "dsv_id": world.dsv.id,
            "title": "Nul\x00byte\x07 in titel",
            "description": "Regel een\nregel\ttwee\x00",
            "building_block_id": builders.block().id,
            "owner_id": world.coordinator.id,
            "impact": "high",
        },
    )
    assert response.status_code == 302
    item = db.session.scalars(select(Bottleneck).order_by(Bottleneck.id.desc())).first()
    assert (item.title, item.description) == ("Nulbyte in titel", "Regel een\nregel\ttwee")
    assert clean({"a\x00": ["x\ud800y", 3]}) == {"a": ["xy", 3]}

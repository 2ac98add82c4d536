"""N+1 guard: every main page makes a fixed, small number of SQL queries, however much data.

Each page is requested once with a little data and once after more of everything it shows was
added (escalations, co-signatures, comments, road block members, agenda items, registrations).
The count must not move, and must stay within the page's budget (issue 7: at most 10; the
budgets below are what the pages need today, so a new query on a page is a visible change).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event

from tests import builders, event_builders
from tracker.api import tokens
from tracker.bottlenecks import services as bottlenecks
from tracker.core.timeutil import utcnow
from tracker.duplicates import services as duplicates
from tracker.escalations import services as escalations
from tracker.events import closeout, registrations
from tracker.events import services as events
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks

#: page -> the most queries it may make (loading the signed-in user included).
BUDGETS = {
    "/": 9,
    "/bottlenecks/": 9,
    "/bottlenecks/?status=escalated&block={block}": 9,
    "/bottlenecks/{bottleneck}": 9,  # + followers
    "/inbox": 7,
    "/road-blocks/": 3,
    "/road-blocks/{road_block}": 7,  # + responses, co-signatures and follow-up actions
    "/road-blocks/{road_block}?q=Prijs": 8,  # + the bottlenecks matching the add search
    "/events/": 4,
    "/events/{event}": 6,
    "/events/{event}?q=Systeem": 8,  # + the road blocks and bottlenecks matching the search
    "/events/{held}": 6,  # + follow-up actions
    "/insights/": 3,
    "/insights/response-times": 2,
    "/insights/congestion": 4,
    "/digests/{party}": 4,
    "/admin/dsvs/": 5,
    "/admin/users/": 5,
}

#: API list -> the most queries it may make (the token, its rate window and its user included).
API_BUDGETS = {
    "/api/v1/bottlenecks": 9,
    "/api/v1/escalations": 9,
    "/api/v1/road-blocks": 6,
    "/api/v1/events": 4,
    "/api/v1/dsvs": 4,
    "/api/v1/updates?since=2000-01-01T00:00:00Z": 6,
    "/api/v1/bottlenecks/{bottleneck}/timeline": 7,
}


#: The per-test savepoints of tests/conftest.py, not the page's own queries.
HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


class Scene:
    """A bottleneck, a road block and events that each page shows, and a way to add more."""

    def __init__(self, world: builders.World) -> None:
        self.world = world
        self.viewer = builders.user(admin=True, parties=[world.party], dsvs=[world.dsv])
        self.item = builders.bottleneck(world.coordinator, world.dsv)
        self._answered(world.coordinator, self.item)
        first = builders.bottleneck(world.other_coordinator, world.other_dsv)
        self.road_block = road_blocks.create(
            world.admin,
            title="Systeemknelpunt",
            description="",
            building_block_id=self.item.building_block_id,
            party_id=world.party.id,
            bottleneck_ids=[self.item.id, first.id],
        )
        self.event = event_builders.event(world.admin, world.party)
        with time_machine.travel(datetime.now(UTC) - timedelta(days=30)):
            self.held = event_builders.event(world.admin, world.party)
        events.add_agenda_item(world.admin, self.held.id, road_block_id=self.road_block.id)
        db.session.commit()

    def _answered(self, author, item) -> None:
        """Escalated to the world's party and answered: a response on the road-block page."""
        escalation = builders.escalation(author, item, self.world.party)
        escalations.apply_action(
            self.world.liaison, escalation.id, "respond", version=None, note="Wij pakken het op."
        )

    def grow(self) -> None:
        """Three more DSVs, each adding to everything the pages list."""
        admin, road_block = self.world.admin, self.road_block.id
        for _ in range(3):
            dsv = builders.dsv(networks=[builders.network(builders.party())])
            member = builders.user(dsvs=[dsv, self.world.dsv], parties=[self.world.party])
            item = builders.bottleneck(member, dsv)
            self._answered(member, item)
            builders.escalation(member, item, builders.party())
            builders.bottleneck(member, dsv)  # a candidate for the road block's add search
            bottlenecks.add_comment(member, self.item.id, "Hier ook.")
            duplicates.cosign_bottleneck(member, self.item.id, dsv.id, "Speelt bij ons ook.")
            duplicates.cosign_road_block(member, self.road_block.id, dsv.id, "Ook bij ons.")
            road_blocks.add_bottlenecks(admin, road_block, [item.id])
            events.add_agenda_item(admin, self.event.id, bottleneck_id=item.id)
            events.add_agenda_item(admin, self.event.id, road_block_id=road_block)
            registrations.register(member, self.event.id)
            closeout.add_action(
                admin,
                self.held.id,
                title="Navragen bij de partij",
                owner=f"party:{self.world.party.id}",
                due=event_builders.local_day(14),
                road_block_id=road_block,
            )
        db.session.commit()

    def url(self, template: str) -> str:
        return template.format(
            block=self.item.building_block_id,
            bottleneck=self.item.id,
            road_block=self.road_block.id,
            event=self.event.id,
            held=self.held.id,
            party=self.world.party.slug,
        )


@pytest.fixture
def queries(app):
    counter = {"n": 0}

    def before(conn, cursor, statement, *args):
        if not statement.startswith(HARNESS):
            counter["n"] += 1

    with app.app_context():
        engine = db.engines[None].engine
    event.listen(engine, "before_cursor_execute", before)
    yield counter
    event.remove(engine, "before_cursor_execute", before)


def _count(client, url: str, counter: dict, headers: dict | None = None) -> int:
    counter["n"] = 0
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return counter["n"]


@pytest.mark.parametrize("page", BUDGETS)
def test_main_page_makes_the_same_few_queries_with_more_data(client, ctx, queries, page):
    scene = Scene(builders.World())
    client.login(scene.viewer.email, builders.PASSWORD)
    url = scene.url(page)
    scene.grow()
    few = _count(client, url, queries)
    scene.grow()
    scene.grow()
    many = _count(client, url, queries)
    assert many == few, f"{url}: {few} queries with little data, {many} with more (N+1)"
    assert many <= BUDGETS[page], f"{url}: {many} queries, budget {BUDGETS[page]}"


@pytest.mark.parametrize("url", API_BUDGETS)
def test_api_list_makes_the_same_few_queries_with_more_data(client, ctx, queries, url):
    scene = Scene(builders.World())
    token = {"Authorization": f"Bearer {tokens.create_token(scene.viewer, 'counts', 'read')}"}
    scene.grow()
    # One rate window and a fresh stamp for all calls: the window's first call also stamps the
    # token and prunes old windows (two statements, once a minute).
    with time_machine.travel(utcnow(), tick=False):
        client.get("/api/v1/me", headers=token)
        few = _count(client, scene.url(url), queries, token)
        scene.grow()
        scene.grow()
        many = _count(client, scene.url(url), queries, token)
    assert many == few, f"{url}: {few} queries with little data, {many} with more (N+1)"
    assert many <= API_BUDGETS[url], f"{url}: {many} queries, budget {API_BUDGETS[url]}"

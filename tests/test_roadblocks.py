"""Road blocks: grouping bottlenecks of several DSVs, ranking, reach, undo, and the rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import builders
from tests.htmlforms import form_fields
from tracker.core.errors import InvalidInput, NotVisible
from tracker.extensions import db
from tracker.roadblocks import services
from tracker.roadblocks.models import RoadBlockMember
from tracker.timeline.models import TimelineEvent


@pytest.fixture
def world(ctx):
    return builders.World()


def _group(world, *bottlenecks, title="Populatiebekostiging ontbreekt"):
    return services.create(
        world.admin,
        title=title,
        description="",
        party_id=world.party.id,
        building_block_id=builders.block().id,
        bottleneck_ids=[b.id for b in bottlenecks],
    )


def test_staff_groups_bottlenecks_of_several_dsvs_and_sees_their_reach(world):
    net = builders.network()
    world.other_dsv.networks.append(net)
    world.other_dsv.region = "Twente"
    ours = builders.bottleneck(world.coordinator)
    theirs = builders.bottleneck(world.other_coordinator)
    road_block = _group(world, ours, theirs)
    reach = services.reach(road_block)
    assert {d.name for d in reach["dsvs"]} == {"DSV Eigen", "DSV Ander"}
    assert reach["networks"] == [net.name]
    assert "Twente" in reach["regions"]
    kinds = db.session.scalars(
        select(TimelineEvent.kind).where(
            TimelineEvent.subject_type == "bottleneck", TimelineEvent.subject_id == ours.id
        )
    ).all()
    assert "road_block_joined" in kinds


def test_confidential_bottlenecks_cannot_join(world):
    secret = builders.bottleneck(world.coordinator, confidential=True)
    with pytest.raises(InvalidInput):
        _group(world, secret)


def test_a_bottleneck_belongs_to_one_road_block_at_most(world):
    item = builders.bottleneck(world.coordinator)
    _group(world, item)
    with pytest.raises(InvalidInput):
        _group(world, item, title="Tweede")


def test_coordinators_may_not_group(world):
    item = builders.bottleneck(world.coordinator)
    with pytest.raises(NotVisible):
        services.create(
            world.coordinator,
            title="x",
            description="",
            party_id=None,
            building_block_id=builders.block().id,
            bottleneck_ids=[item.id],
        )


def test_taking_a_bottleneck_out_undoes_the_grouping_and_keeps_history(world):
    item = builders.bottleneck(world.coordinator)
    other = builders.bottleneck(world.other_coordinator)
    road_block = _group(world, item, other)
    services.remove_bottleneck(world.liaison, road_block.id, item.id)
    assert [m.bottleneck_id for m in road_block.members] == [other.id]
    assert (
        db.session.scalar(select(RoadBlockMember).where(RoadBlockMember.bottleneck_id == item.id))
        is None
    )
    kinds = db.session.scalars(
        select(TimelineEvent.kind).where(
            TimelineEvent.subject_type == "road_block", TimelineEvent.subject_id == road_block.id
        )
    ).all()
    assert kinds == ["created", "member_added", "member_added", "member_removed"]
    _group(world, item, title="Opnieuw gegroepeerd")  # free to join another one again


def test_list_ranks_road_blocks_by_number_of_dsvs(client, world):
    small = _group(world, builders.bottleneck(world.coordinator), title="Klein")
    big = _group(
        world,
        builders.bottleneck(world.coordinator, title="a"),
        builders.bottleneck(world.other_coordinator, title="b"),
        title="Groot",
    )
    client.login(world.member.email, builders.PASSWORD)
    page = client.get("/road-blocks/").get_data(as_text=True)
    assert page.index(big.title) < page.index(small.title)


def test_liaison_creates_a_road_block_through_the_form(client, world):
    item = builders.bottleneck(world.coordinator, title="Geen KvK-nummer")
    client.login(world.liaison.email, builders.PASSWORD)
    form = client.get(f"/road-blocks/new?bottleneck={item.id}").get_data(as_text=True)
    assert "Geen KvK-nummer" in form
    response = client.post_form(
        "/road-blocks/new",
        {
            "title": "Samenwerkingen zonder rechtspersoon",
            "description": "",
            "building_block_id": builders.block("governance").id,
            "party_id": "",
            "bottleneck_ids": [item.id],
        },
    )
    assert response.status_code == 302
    detail = client.get(response.location).get_data(as_text=True)
    assert "Geen KvK-nummer" in detail and "DSV Eigen" in detail
    bottleneck_page = client.get(f"/bottlenecks/{item.id}").get_data(as_text=True)
    assert "Samenwerkingen zonder rechtspersoon" in bottleneck_page


def test_status_change_is_version_checked_and_recorded(client, world):
    road_block = _group(world, builders.bottleneck(world.coordinator))
    client.login(world.admin.email, builders.PASSWORD)
    ok = client.post_form(
        f"/road-blocks/{road_block.id}/status",
        {"status": "on_agenda", "version": road_block.version},
    )
    assert ok.status_code == 302
    stale = client.post_form(
        f"/road-blocks/{road_block.id}/status", {"status": "resolved", "version": 1}
    )
    assert stale.status_code == 409


def test_road_block_page_shows_the_parties_responses(client, world):
    from tracker.escalations import services as escalations

    item = builders.bottleneck(world.other_coordinator)
    escalation = builders.escalation(world.other_coordinator, item, world.party)
    escalations.apply_action(
        world.liaison, escalation.id, "respond", version=None, note="Wij passen de regeling aan."
    )
    road_block = _group(world, item)
    assert [r.body for r in services.responses(road_block)] == ["Wij passen de regeling aan."]
    client.login(world.member.email, builders.PASSWORD)
    page = client.get(f"/road-blocks/{road_block.id}").get_data(as_text=True)
    assert "Wij passen de regeling aan." in page and "Partij Eigen" in page


def test_a_bottleneck_in_a_road_block_cannot_become_confidential(world):
    from tracker.bottlenecks import services as bottlenecks

    item = builders.bottleneck(world.coordinator)
    _group(world, item)
    with pytest.raises(InvalidInput):
        bottlenecks.update_bottleneck(
            world.coordinator,
            item.id,
            version=item.version,
            title=item.title,
            description=item.description,
            building_block_id=item.building_block_id,
            owner_id=item.owner_id,
            impact=item.impact,
            domain_ids=[],
            is_confidential=True,
        )


def test_add_picker_lists_only_what_matches_the_search_and_may_join(client, world):
    road_block = _group(world, builders.bottleneck(world.coordinator, title="Al gegroepeerd"))
    wanted = builders.bottleneck(world.other_coordinator, title="Wachtlijst wijkverpleging")
    builders.bottleneck(world.coordinator, title="Wachtlijst geheim", confidential=True)
    elsewhere = builders.bottleneck(world.coordinator, title="Wachtlijst elders")
    elsewhere.building_block_id = builders.block("governance").id
    builders.bottleneck(world.coordinator, title="Iets anders")
    db.session.commit()
    client.login(world.liaison.email, builders.PASSWORD)
    url = f"/road-blocks/{road_block.id}"

    page = client.get(url).get_data(as_text=True)
    assert 'name="q"' in page and "Wachtlijst" not in page  # no list before a search

    page = client.get(f"{url}?q=wachtLIJST").get_data(as_text=True)
    assert "Wachtlijst wijkverpleging (DSV Ander)" in page
    for hidden in ("geheim", "elders", "Iets anders", "Al gegroepeerd (DSV"):
        assert hidden not in page
    assert "1 resultaat voor “wachtLIJST”." in page
    fragment = client.get(f"{url}/candidates?q=%23{wanted.id}").get_data(as_text=True)
    assert "Wachtlijst wijkverpleging" in fragment and "<html" not in fragment
    assert "Niets gevonden" in client.get(f"{url}?q=100%25").get_data(as_text=True)

    form = form_fields(page, f"/road-blocks/{road_block.id}/bottlenecks")
    assert form["search"] == "wachtLIJST"
    empty = client.post_form(f"{url}/bottlenecks", {"search": form["search"]})
    assert empty.status_code == 422  # nothing ticked: the matches are shown again
    assert "Wachtlijst wijkverpleging" in empty.get_data(as_text=True)
    added = client.post_form(f"{url}/bottlenecks", {**form, "bottleneck_ids": [wanted.id]})
    assert added.status_code == 302
    assert wanted.id in [m.bottleneck_id for m in services.get(road_block.id).members]

"""Suggestions, co-signing and merging through the pages, with and without JavaScript."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from tests import builders
from tests.htmlforms import form_fields
from tracker.bottlenecks.models import Bottleneck
from tracker.duplicates import services
from tracker.extensions import db

WAITING = "Lange wachtlijsten jeugdzorg door versnipperde inkoop"


@pytest.fixture
def world(ctx):
    return builders.World()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Bottleneck))


def test_check_button_shows_suggestions_and_keeps_what_was_typed(client, world):
    theirs = builders.bottleneck(world.other_coordinator, title=WAITING)
    before = _count()
    client.login(world.coordinator.email, builders.PASSWORD)
    typed = {
        "dsv_id": world.dsv.id,
        "title": "Wachtlijsten jeugdzorg",
        "description": "Kinderen wachten maanden; 40 gezinnen in onze regio.",
        "building_block_id": builders.block().id,
        "owner_id": world.coordinator.id,
        "impact": "high",
        "check_similar": "1",
    }
    response = client.post_form("/bottlenecks/new", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _count() == before  # nothing saved
    assert WAITING in page
    fields = form_fields(page)
    assert fields["title"] == typed["title"]
    assert fields["description"].strip() == typed["description"]
    assert f"/bottlenecks/{theirs.id}/cosign?context=Kinderen" in page


def test_suggestion_fragment_is_for_coordinators_and_hides_other_dsvs_secrets(client, world):
    builders.bottleneck(world.other_coordinator, title=WAITING, confidential=True)
    public = builders.bottleneck(world.other_coordinator, title="Wachtlijsten in de jeugdzorg")
    client.login(world.coordinator.email, builders.PASSWORD)
    response = client.get("/bottlenecks/similar?title=wachtlijsten+jeugdzorg")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert public.title in page and WAITING not in page
    assert client.get("/bottlenecks/similar?title=" + "x" * 50_000).status_code == 200


def test_cosign_page_prefills_context_and_keeps_input_on_error(client, world):
    theirs = builders.bottleneck(world.other_coordinator, title=WAITING)
    client.login(world.coordinator.email, builders.PASSWORD)
    page = client.get(f"/bottlenecks/{theirs.id}/cosign?context=Veertig+gezinnen").get_data(
        as_text=True
    )
    assert form_fields(page)["context"].strip() == "Veertig gezinnen"
    refused = client.post_form(
        f"/bottlenecks/{theirs.id}/cosign", {"dsv_id": world.other_dsv.id, "context": "Hier ook"}
    )
    assert refused.status_code == 422
    assert "Hier ook" in refused.get_data(as_text=True)
    done = client.post_form(
        f"/bottlenecks/{theirs.id}/cosign", {"dsv_id": world.dsv.id, "context": "Hier ook"}
    )
    assert done.status_code == 302
    detail = client.get(urlparse(done.location).path).get_data(as_text=True)
    assert "DSV Eigen" in detail and "Hier ook" in detail


def test_road_block_cosign_flow_and_withdraw(client, world):
    from tracker.roadblocks import services as road_blocks

    road_block = road_blocks.create(
        world.admin,
        title="Wachtlijsten",
        description="",
        party_id=None,
        building_block_id=builders.block().id,
        bottleneck_ids=[builders.bottleneck(world.other_coordinator).id],
    )
    client.login(world.coordinator.email, builders.PASSWORD)
    response = client.post_form(
        f"/road-blocks/{road_block.id}/cosign", {"dsv_id": world.dsv.id, "context": "Ook wij."}
    )
    assert response.status_code == 302
    (cosignature,) = services.cosignatures_of_road_block(road_block.id)
    assert "Ook wij." in client.get(f"/road-blocks/{road_block.id}").get_data(as_text=True)
    assert client.post_form(f"/cosignatures/{cosignature.id}/withdraw").status_code == 302
    assert services.cosignatures_of_road_block(road_block.id) == []


def test_liaison_merges_by_number_and_undoes_from_the_duplicate(client, world):
    duplicate = builders.bottleneck(world.other_coordinator, title=WAITING)
    target = builders.bottleneck(world.coordinator, title="Iets heel anders")
    client.login(world.liaison.email, builders.PASSWORD)
    bad = client.post_form(f"/bottlenecks/{duplicate.id}/merge", {"target_number": "abc"})
    assert bad.status_code == 422
    missing = client.post_form(f"/bottlenecks/{duplicate.id}/merge", {"target_number": "999999"})
    assert missing.status_code == 422
    nothing = client.post_form(f"/bottlenecks/{duplicate.id}/merge", {})
    assert nothing.status_code == 422
    done = client.post_form(f"/bottlenecks/{duplicate.id}/merge", {"target_number": target.id})
    assert done.status_code == 302 and urlparse(done.location).path == f"/bottlenecks/{target.id}"
    target_page = client.get(f"/bottlenecks/{target.id}").get_data(as_text=True)
    assert WAITING in target_page  # listed as merged duplicate, its history on the timeline
    dup_page = client.get(f"/bottlenecks/{duplicate.id}").get_data(as_text=True)
    assert "/undo" in dup_page
    merge = services.merges_into(target.id)[0]
    assert client.post_form(f"/merges/{merge.id}/undo").status_code == 302
    db.session.expire_all()
    assert db.session.get(Bottleneck, duplicate.id).merged_into_id is None


def test_merge_page_offers_similar_bottlenecks_as_choices(client, world):
    duplicate = builders.bottleneck(world.other_coordinator, title=WAITING)
    similar = builders.bottleneck(world.coordinator, title="Wachtlijsten jeugdzorg")
    client.login(world.admin.email, builders.PASSWORD)
    page = client.get(f"/bottlenecks/{duplicate.id}/merge").get_data(as_text=True)
    assert f'value="{similar.id}"' in page
    response = client.post_form(f"/bottlenecks/{duplicate.id}/merge", {"target_id": similar.id})
    assert response.status_code == 302
    assert parse_qs(urlparse(response.location).query) == {}


def test_follow_button_toggles_and_counts(client, world):
    theirs = builders.bottleneck(world.other_coordinator)
    client.login(world.member.email, builders.PASSWORD)
    assert "Stop" not in client.get(f"/bottlenecks/{theirs.id}").get_data(as_text=True)
    assert client.post_form(f"/bottlenecks/{theirs.id}/follow", {"follow": "1"}).status_code == 302
    assert [u.id for u in theirs.followers] == [world.member.id]
    page = client.get(f"/bottlenecks/{theirs.id}").get_data(as_text=True)
    assert 'name="follow" value="0"' in page
    client.post_form(f"/bottlenecks/{theirs.id}/follow", {"follow": "0"})
    db.session.expire_all()
    assert db.session.get(Bottleneck, theirs.id).followers == []

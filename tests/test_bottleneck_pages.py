"""Logging, editing, listing and commenting on bottlenecks through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import builders
from tests.htmlforms import form_fields
from tracker.bottlenecks.models import Bottleneck
from tracker.extensions import db
from tracker.timeline.models import TimelineEvent


@pytest.fixture
def world(ctx):
    return builders.World()


def _form(world, **overrides):
    data = {
        "dsv_id": world.dsv.id,
        "title": "Geen gegevensuitwisseling tussen huisarts en wijkteam",
        "description": "De AVG-uitleg verschilt per partij.",
        "building_block_id": builders.block("ict").id,
        "owner_id": world.coordinator.id,
        "impact": "high",
    }
    return {**data, **overrides}


def _count(model=Bottleneck) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_coordinator_logs_a_bottleneck_and_sees_it_on_its_timeline(client, world):
    client.login(world.coordinator.email, builders.PASSWORD)
    response = client.post_form("/bottlenecks/new", _form(world))
    assert response.status_code == 302
    item = db.session.scalars(select(Bottleneck)).one()
    assert item.dsv_id == world.dsv.id and item.building_block.code == "ict"
    page = client.get(response.location).get_data(as_text=True)
    assert "Geen gegevensuitwisseling tussen huisarts en wijkteam" in page
    assert "Coördinator Eigen" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 201),
        ("title", "   "),
        ("description", ""),
        ("building_block_id", "999"),
        ("owner_id", "999"),
        ("impact", "enormous"),
        ("dsv_id", "999"),
    ],
)
def test_bad_input_is_refused_with_422_and_keeps_what_was_typed(client, world, field, value):
    client.login(world.coordinator.email, builders.PASSWORD)
    data = _form(world, description="Mijn zorgvuldig getypte tekst")
    data[field] = value
    response = client.post_form("/bottlenecks/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    if field != "description":
        assert "Mijn zorgvuldig getypte tekst" in page
    assert _count() == 0


def test_owner_must_be_a_member_of_the_dsv(client, world):
    client.login(world.coordinator.email, builders.PASSWORD)
    response = client.post_form(
        "/bottlenecks/new", _form(world, owner_id=world.other_coordinator.id)
    )
    assert response.status_code == 422
    assert _count() == 0


def test_coordinator_cannot_log_for_another_dsv(client, world):
    client.login(world.coordinator.email, builders.PASSWORD)
    response = client.post_form("/bottlenecks/new", _form(world, dsv_id=world.other_dsv.id))
    assert response.status_code == 422
    assert _count() == 0


def test_edit_records_old_and_new_value_per_field(client, world):
    item = builders.bottleneck(world.coordinator)
    client.login(world.coordinator.email, builders.PASSWORD)
    response = client.post_form(
        f"/bottlenecks/{item.id}/edit",
        _form(
            world,
            title=item.title,
            description=item.description,
            impact="critical",
            building_block_id=builders.block("funding").id,
            version=item.version,
        ),
    )
    assert response.status_code == 302
    changes = db.session.scalars(
        select(TimelineEvent).where(
            TimelineEvent.subject_id == item.id, TimelineEvent.kind == "changed"
        )
    ).all()
    assert [(e.field, e.old_value, e.new_value) for e in changes] == [
        ("impact", "medium", "critical")
    ]


def test_stale_edit_is_refused_with_409_and_keeps_the_text(client, world):
    item = builders.bottleneck(world.coordinator)
    client.login(world.coordinator.email, builders.PASSWORD)
    opened_version = item.version
    first = client.post_form(
        f"/bottlenecks/{item.id}/edit",
        _form(world, title="Eerste wijziging", version=opened_version),
    )
    assert first.status_code == 302
    second = client.post_form(
        f"/bottlenecks/{item.id}/edit",
        _form(world, title="Tweede wijziging op oude versie", version=opened_version),
    )
    assert second.status_code == 409
    assert "Tweede wijziging op oude versie" in second.get_data(as_text=True)
    assert db.session.get(Bottleneck, item.id).title == "Eerste wijziging"


def test_confidential_bottleneck_is_listed_only_for_its_dsv_and_addressed_parties(client, world):
    secret = builders.bottleneck(world.coordinator, confidential=True, title="Geheim knelpunt")
    builders.escalation(world.coordinator, secret, world.party)
    readers = {
        world.coordinator: True,
        world.liaison: True,
        world.other_coordinator: False,
        world.other_liaison: False,
        world.admin: False,
        world.member: False,
    }
    for person, sees in readers.items():
        viewer = client.application.test_client()
        viewer.login(person.email, builders.PASSWORD)
        listed = "Geheim knelpunt" in viewer.get("/bottlenecks/").get_data(as_text=True)
        detail = viewer.get(f"/bottlenecks/{secret.id}").status_code
        assert (listed, detail) == ((True, 200) if sees else (False, 404)), person.name


def test_list_filters_by_building_block_party_dsv_status_and_network(client, world):
    net = builders.network()
    world.dsv.networks.append(net)
    ours = builders.bottleneck(world.coordinator, title="Ons knelpunt")
    builders.escalation(world.coordinator, ours, world.party)
    builders.bottleneck(world.other_coordinator, title="Hun knelpunt")
    client.login(world.member.email, builders.PASSWORD)
    for query in (
        f"party={world.party.id}",
        f"dsv={world.dsv.id}",
        "status=escalated",
        f"network={net.id}",
    ):
        page = client.get(f"/bottlenecks/?{query}").get_data(as_text=True)
        assert "Ons knelpunt" in page and "Hun knelpunt" not in page, query
    page = client.get(f"/bottlenecks/?block={builders.block('ict').id}").get_data(as_text=True)
    assert "Ons knelpunt" not in page


def test_unknown_filter_value_is_a_400_not_a_500(client, world):
    client.login(world.member.email, builders.PASSWORD)
    assert client.get("/bottlenecks/?block=abc").status_code == 400
    assert client.get("/bottlenecks/?status=nonsense").status_code == 400


def test_list_is_paginated(client, world):
    for n in range(27):
        builders.bottleneck(world.coordinator, title=f"Knelpunt nummer {n:02d}")
    client.login(world.member.email, builders.PASSWORD)
    first = client.get("/bottlenecks/").get_data(as_text=True)
    second = client.get("/bottlenecks/?page=2").get_data(as_text=True)
    assert first.count("Knelpunt nummer") == 25
    assert second.count("Knelpunt nummer") == 2


def test_comment_by_addressed_liaison_lands_on_the_timeline(client, world):
    item = builders.bottleneck(world.coordinator)
    builders.escalation(world.coordinator, item, world.party)
    client.login(world.liaison.email, builders.PASSWORD)
    response = client.post_form(f"/bottlenecks/{item.id}/comments", {"body": "Wij kijken mee."})
    assert response.status_code == 302
    page = client.get(f"/bottlenecks/{item.id}").get_data(as_text=True)
    assert "Wij kijken mee." in page


def test_empty_comment_is_refused_with_422(client, world):
    item = builders.bottleneck(world.coordinator)
    client.login(world.coordinator.email, builders.PASSWORD)
    before = _count(TimelineEvent)
    assert client.post_form(f"/bottlenecks/{item.id}/comments", {"body": ""}).status_code == 422
    assert _count(TimelineEvent) == before


def test_timeline_events_are_append_only(world):
    item = builders.bottleneck(world.coordinator)
    event = db.session.scalars(
        select(TimelineEvent).where(TimelineEvent.subject_id == item.id)
    ).first()
    event.body = "rewritten history"
    with pytest.raises(RuntimeError, match="never changed"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(TimelineEvent, event.id))
    with pytest.raises(RuntimeError, match="never changed"):
        db.session.flush()
    db.session.rollback()


def test_csv_export_follows_the_filters_and_never_leaks_confidential_rows(client, world):
    builders.bottleneck(world.coordinator, title="=Openbaar knelpunt")
    builders.bottleneck(world.coordinator, title="Geheim knelpunt", confidential=True)
    builders.bottleneck(world.other_coordinator, title="Ander knelpunt")
    client.login(world.other_coordinator.email, builders.PASSWORD)
    response = client.get(f"/bottlenecks/export.csv?dsv={world.dsv.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 with a BOM
    lines = text.strip().splitlines()
    assert len(lines) == 2  # header and the one visible bottleneck of that DSV
    assert "'=Openbaar knelpunt" in lines[1] and ";" in lines[1]
    assert "Geheim" not in text and "Ander knelpunt" not in text
    assert client.get("/bottlenecks/export.csv?block=abc").status_code == 400


def test_list_filters_show_the_values_in_effect(client, world):
    block = builders.block("ict")
    db.session.commit()
    client.login(world.admin.email, builders.PASSWORD)
    url = f"/bottlenecks/?status=escalated&block={block.id}&party={world.party.id}"
    page = client.get(url).get_data(as_text=True)
    fields = form_fields(page, "/bottlenecks/")
    assert fields["status"] == "escalated"
    assert fields["block"] == str(block.id)
    assert fields["party"] == str(world.party.id)
    assert fields["dsv"] == ""

"""Personal data (AVG): export, deletion as a pseudonym, and retention of closed items."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import func, select

from tests import builders
from tests.event_builders import event_input
from tests.test_registry import signed_in, text
from tracker.auth import throttle
from tracker.auth.models import AuthToken, TokenPurpose, User
from tracker.auth.services import issue_token
from tracker.bottlenecks import services as bottlenecks
from tracker.bottlenecks.models import Bottleneck
from tracker.core.errors import InvalidInput, NotVisible
from tracker.duplicates import services as duplicates
from tracker.duplicates.models import Cosignature
from tracker.escalations import services as escalations
from tracker.escalations.models import Escalation
from tracker.events import registrations
from tracker.events import services as events
from tracker.events.models import RegistrationStatus
from tracker.extensions import db
from tracker.privacy import personal_data, retention
from tracker.roadblocks import services as road_blocks
from tracker.roadblocks.models import RoadBlockMember
from tracker.timeline.models import TimelineEvent
from workers.tasks.privacy import retention_sweep


@pytest.fixture
def world(ctx) -> builders.World:
    with force_locale("en"):
        yield builders.World()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# Export -----------------------------------------------------------------------------------


def test_export_holds_account_memberships_work_comments_and_tokens(world):
    me = world.coordinator
    item = builders.bottleneck(me, title="Mijn knelpunt")
    bottlenecks.add_comment(me, item.id, "Een opmerking van mij.")
    builders.escalation(me, item, world.party)
    other = builders.bottleneck(world.other_coordinator, title="Van een ander")
    duplicates.cosign_bottleneck(me, other.id, world.dsv.id, "Bij ons ook.")
    event = events.create(world.liaison, event_input(world.party.id, capacity=5))
    registrations.register(me, event.id)
    issue_token(me, TokenPurpose.RESET)
    db.session.commit()

    data = personal_data.export(world.admin, me.id)
    assert data["account"]["email"] == me.email and data["account"]["has_password"]
    assert data["memberships"]["dsvs"] == [{"slug": world.dsv.slug, "name": world.dsv.name}]
    assert [b["title"] for b in data["bottlenecks_owned"]] == ["Mijn knelpunt"]
    assert [b["title"] for b in data["bottlenecks_created"]] == ["Mijn knelpunt"]
    assert [c["body"] for c in data["comments"]] == ["Een opmerking van mij."]
    assert {e["kind"] for e in data["timeline_events"]} >= {"created", "escalated", "cosigned"}
    assert [e["party"] for e in data["escalations_submitted"]] == [world.party.slug]
    assert [c["context"] for c in data["cosignatures"]] == ["Bij ons ook."]
    assert [r["event_id"] for r in data["event_registrations"]] == [event.id]
    assert [t["purpose"] for t in data["tokens"]] == ["reset"]
    assert "token_hash" not in json.dumps(data) and "password_hash" not in json.dumps(data)
    json.dumps(data)  # serialisable as is


def test_only_admins_export_someone_else_but_everyone_exports_themselves(world):
    with pytest.raises(NotVisible):
        personal_data.export(world.coordinator, world.liaison.id)
    assert (
        personal_data.export(world.liaison, world.liaison.id)["account"]["id"] == world.liaison.id
    )


def test_export_downloads_for_admin_and_for_oneself(app, world):
    admin = signed_in(app, world.admin)
    response = admin.get(f"/admin/users/{world.coordinator.id}/personal-data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json["account"]["email"] == world.coordinator.email
    assert "no-store" in response.headers["Cache-Control"]
    own = signed_in(app, world.coordinator)
    assert "personal-data.json" in text(own.get("/auth/account"))
    response = own.get("/auth/account/personal-data.json")
    assert response.status_code == 200 and response.json["account"]["id"] == world.coordinator.id


# Deletion -------------------------------------------------------------------------------


def test_deletion_is_refused_while_open_bottlenecks_have_no_new_owner(world):
    item = builders.bottleneck(world.coordinator, title="Nog open")
    with pytest.raises(InvalidInput, match="“Nog open”"):
        personal_data.anonymise(world.admin, world.coordinator.id)
    with pytest.raises(InvalidInput, match="active member"):
        personal_data.anonymise(world.admin, world.coordinator.id, world.liaison.id)
    assert db.session.get(User, world.coordinator.id).anonymised_at is None
    assert item.owner_id == world.coordinator.id


def test_deletion_leaves_a_pseudonym_that_the_timeline_keeps_pointing_at(app, world):
    person = world.coordinator
    colleague = builders.user(dsvs=[world.dsv], name="Collega")
    item = builders.bottleneck(colleague, title="Van de collega")
    bottlenecks.add_comment(person, item.id, "Opmerking.")
    own = builders.bottleneck(person, title="Overdragen")
    email, name = person.email, person.name
    client = signed_in(app, person)
    assert client.get("/").status_code == 200

    personal_data.anonymise(world.admin, person.id, colleague.id)

    user = db.session.get(User, person.id)
    assert user.name == f"Verwijderde gebruiker #{user.id}"
    assert user.email.endswith(".invalid") and user.email != email
    assert user.password_hash is None and not user.active and user.dsvs == []
    assert user.anonymised_at is not None
    assert count(AuthToken, AuthToken.user_id == user.id) == 0
    assert own.owner_id == colleague.id
    comment = db.session.scalar(
        select(TimelineEvent).where(
            TimelineEvent.kind == "commented", TimelineEvent.subject_id == item.id
        )
    )
    assert comment.actor_id == user.id and comment.actor.name == user.name
    values = db.session.scalars(
        select(TimelineEvent.old_value).where(TimelineEvent.old_value.in_([name, email]))
    ).all()
    assert values == []  # the owner change reads "pseudonym -> Collega"
    assert client.get("/").status_code == 302  # the old session is over
    assert builders.user().email != user.email
    with pytest.raises(InvalidInput):
        personal_data.anonymise(world.admin, person.id, colleague.id)


def test_deletion_gives_an_upcoming_seat_to_the_waiting_list(world):
    event = events.create(world.liaison, event_input(world.party.id, capacity=1))
    registrations.register(world.coordinator, event.id)
    waiting = registrations.register(world.other_coordinator, event.id)
    assert waiting.status == RegistrationStatus.WAITING
    personal_data.anonymise(world.admin, world.coordinator.id)
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_delete_page_asks_for_a_new_owner_and_confirmation(app, world):
    item = builders.bottleneck(world.coordinator, title="Open werk")
    colleague = builders.user(dsvs=[world.dsv], name="Opvolger")
    client = signed_in(app, world.admin)
    url = f"/admin/users/{world.coordinator.id}/delete"
    page = client.get(url)
    assert page.status_code == 200 and "Open werk" in text(page) and "Opvolger" in text(page)
    response = client.post_form(url, {"confirm": "y"})
    assert response.status_code == 422 and "Open werk" in text(response)
    assert client.post_form(url, {"new_owner_id": colleague.id}).status_code == 422
    response = client.post_form(url, {"confirm": "y", "new_owner_id": colleague.id})
    assert response.status_code == 302
    assert item.owner_id == colleague.id
    assert db.session.get(User, world.coordinator.id).anonymised_at is not None
    assert (
        client.post_form(f"/admin/users/{world.admin.id}/delete", {"confirm": "y"}).status_code
        == 422
    )


# Retention --------------------------------------------------------------------------------


def closed_item(world, title: str, *, days_ago: int = 800, action: str = "withdraw") -> Bottleneck:
    item = builders.bottleneck(world.coordinator, title=title)
    escalation = builders.escalation(world.coordinator, item, world.party)
    escalations.apply_action(world.coordinator, escalation.id, action, version=None, note="Weg.")
    item = db.session.get(Bottleneck, item.id)
    item.updated_at = datetime.now(UTC) - timedelta(days=days_ago)
    db.session.commit()
    return item


def test_sweep_deletes_old_closed_items_with_everything_that_hangs_on_them(world):
    gone = closed_item(world, "Oud en klaar")
    duplicates.cosign_bottleneck(world.other_coordinator, gone.id, world.other_dsv.id, "Ook")
    bottlenecks.add_comment(world.coordinator, gone.id, "Opmerking.")
    gone.updated_at = datetime.now(UTC) - timedelta(days=800)
    db.session.commit()
    recent = closed_item(world, "Recent klaar", days_ago=10)
    still_open = builders.bottleneck(world.coordinator, title="Nooit geëscaleerd")
    pending = builders.bottleneck(world.coordinator, title="Wacht op partij")
    builders.escalation(world.coordinator, pending, world.party)
    pending.updated_at = datetime.now(UTC) - timedelta(days=900)
    db.session.commit()

    dry = retention.sweep(730, dry_run=True)
    assert (dry.bottlenecks, dry.escalations, dry.cosignatures) == (1, 1, 1)
    assert dry.timeline_events >= 4  # created, escalated, withdrawn, cosigned, commented
    assert db.session.get(Bottleneck, gone.id) is not None

    gone_id, kept_ids = gone.id, [recent.id, still_open.id, pending.id]
    result = retention.sweep(730)
    assert result == dry
    assert db.session.get(Bottleneck, gone_id) is None
    assert count(Escalation, Escalation.bottleneck_id == gone_id) == 0
    assert count(Cosignature, Cosignature.bottleneck_id == gone_id) == 0
    assert (
        count(
            TimelineEvent,
            TimelineEvent.subject_type == "bottleneck",
            TimelineEvent.subject_id == gone_id,
        )
        == 0
    )
    for kept_id in kept_ids:
        assert db.session.get(Bottleneck, kept_id) is not None
    assert retention.sweep(730).bottlenecks == 0
    assert retention.sweep(0).bottlenecks == 0  # 0 keeps everything


def test_sweep_spares_open_road_blocks_and_merges(world):
    in_road_block = closed_item(world, "In een open systeemknelpunt")
    road_blocks.create(
        world.admin,
        title="Systeemknelpunt",
        description="",
        party_id=None,
        building_block_id=in_road_block.building_block_id,
        bottleneck_ids=[in_road_block.id],
    )
    target = closed_item(world, "Doel van een samenvoeging")
    duplicate = builders.bottleneck(world.coordinator, title="Dubbel")
    duplicates.merge(world.admin, duplicate.id, target.id)
    for item in (in_road_block, target):
        item.updated_at = datetime.now(UTC) - timedelta(days=800)
    db.session.commit()
    assert retention.due_ids(730) == []
    assert count(RoadBlockMember, RoadBlockMember.bottleneck_id == in_road_block.id) == 1


def test_sweep_prunes_old_login_attempts(app, world):
    with time_machine.travel(datetime.now(UTC) - timedelta(days=3)):
        throttle.failed("someone@x.example", "10.0.0.1")
    throttle.failed("someone@x.example", "10.0.0.1")
    assert retention.sweep(730).login_attempts == 1


def test_cli_and_task_run_the_sweep(app, world):
    closed_item(world, "Via de opdrachtregel")
    result = app.test_cli_runner().invoke(args=["retention", "sweep", "--dry-run"])
    assert result.exit_code == 0 and "would be deleted" in result.output
    assert "bottlenecks               1" in result.output
    assert retention_sweep()["bottlenecks"] == 1
    assert retention_sweep()["bottlenecks"] == 0


def test_what_someone_follows_is_exported_and_deleted_with_them(world):
    from tracker.bottlenecks.models import bottleneck_followers

    item = builders.bottleneck(world.other_coordinator)
    bottlenecks.follow(world.member, item.id)
    exported = personal_data.export(world.admin, world.member.id)
    assert exported["following"] == [{"bottleneck_id": item.id}]
    personal_data.anonymise(world.admin, world.member.id)
    assert count(bottleneck_followers, bottleneck_followers.c.user_id == world.member.id) == 0


def test_api_tokens_are_exported_and_revoked_without_their_names(world):
    from tracker.api import tokens as api_tokens
    from tracker.api.models import ApiToken

    api_tokens.create_token(world.member, "Script van Lid", "read")
    exported = personal_data.export(world.admin, world.member.id)
    assert [t["name"] for t in exported["api_tokens"]] == ["Script van Lid"]
    personal_data.anonymise(world.admin, world.member.id)
    (token,) = db.session.scalars(select(ApiToken).where(ApiToken.user_id == world.member.id))
    assert token.revoked_at is not None and token.name == ""

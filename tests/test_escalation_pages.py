"""The escalation loop through the pages: escalate, inbox, acknowledge, respond, accept, reopen."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from tests import builders
from tracker.core.timeutil import AMSTERDAM
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import Status
from tracker.extensions import db
from tracker.timeline.models import TimelineEvent


@pytest.fixture
def world(ctx):
    return builders.World()


def _signed_in(app, person):
    client = app.test_client()
    assert client.login(person.email, builders.PASSWORD).status_code == 302
    return client


def test_the_whole_loop_through_the_pages(app, world):
    item = builders.bottleneck(world.coordinator, title="Subsidieprocedure te zwaar")
    coordinator = _signed_in(app, world.coordinator)
    liaison = _signed_in(app, world.liaison)

    form = coordinator.get(f"/bottlenecks/{item.id}/escalate").get_data(as_text=True)
    assert "Partij Eigen" in form
    response = coordinator.post_form(
        f"/bottlenecks/{item.id}/escalate",
        {"party_ids": [world.party.id], "request": "Kan de procedure lichter?"},
    )
    assert response.status_code == 302
    escalation = db.session.scalars(select(Escalation)).one()

    inbox = liaison.get("/inbox").get_data(as_text=True)
    assert "Subsidieprocedure te zwaar" in inbox

    def act(client, action, **data):
        return client.post_form(
            f"/escalations/{escalation.id}/{action}",
            {"version": db.session.get(Escalation, escalation.id).version, **data},
        )

    assert act(liaison, "acknowledge").status_code == 302
    assert act(liaison, "respond", note="We passen de regeling aan.").status_code == 302
    assert act(coordinator, "reopen", note="Nog niet concreet genoeg.").status_code == 302
    assert act(liaison, "respond", note="Per 1 maart lichter.").status_code == 302
    assert act(coordinator, "accept").status_code == 302
    assert db.session.get(Escalation, escalation.id).status == Status.ACCEPTED

    kinds = db.session.scalars(
        select(TimelineEvent.kind)
        .where(TimelineEvent.escalation_id == escalation.id)
        .order_by(TimelineEvent.id)
    ).all()
    assert kinds == ["escalated", "acknowledge", "respond", "reopen", "respond", "accept"]
    page = coordinator.get(f"/bottlenecks/{item.id}").get_data(as_text=True)
    assert "Per 1 maart lichter." in page and "Liaison Eigen" in page


def test_double_submit_of_the_same_action_is_a_409_and_applies_once(app, world):
    item = builders.bottleneck(world.coordinator)
    escalation = builders.escalation(world.coordinator, item, world.party)
    liaison = _signed_in(app, world.liaison)
    data = {"version": escalation.version}
    assert liaison.post_form(f"/escalations/{escalation.id}/acknowledge", data).status_code == 302
    again = liaison.post_form(f"/escalations/{escalation.id}/acknowledge", data)
    assert again.status_code == 409
    assert (
        db.session.scalar(
            select(TimelineEvent.id).where(TimelineEvent.kind == "acknowledge").limit(2).offset(1)
        )
        is None
    )


def test_two_liaisons_answering_at_once_the_second_gets_409_and_keeps_the_answer(app, world):
    colleague = builders.user(parties=[world.party])
    db.session.commit()
    item = builders.bottleneck(world.coordinator)
    escalation = builders.escalation(world.coordinator, item, world.party)
    first, second = _signed_in(app, world.liaison), _signed_in(app, colleague)
    opened = escalation.version
    assert (
        first.post_form(
            f"/escalations/{escalation.id}/respond", {"version": opened, "note": "Eerste antwoord"}
        ).status_code
        == 302
    )
    late = second.post_form(
        f"/escalations/{escalation.id}/respond",
        {"version": opened, "note": "Mijn lange tweede antwoord"},
    )
    assert late.status_code == 409
    assert "Mijn lange tweede antwoord" in late.get_data(as_text=True)


def test_wrong_transition_is_refused_with_a_clear_409(app, world):
    item = builders.bottleneck(world.coordinator)
    escalation = builders.escalation(world.coordinator, item, world.party)
    coordinator = _signed_in(app, world.coordinator)
    response = coordinator.post_form(
        f"/escalations/{escalation.id}/accept", {"version": escalation.version}
    )
    assert response.status_code == 409
    assert "ingediend" in response.get_data(as_text=True)  # says the current status, in Dutch
    assert db.session.get(Escalation, escalation.id).status == Status.SUBMITTED


def test_respond_without_a_note_is_a_422(app, world):
    item = builders.bottleneck(world.coordinator)
    escalation = builders.escalation(world.coordinator, item, world.party)
    liaison = _signed_in(app, world.liaison)
    response = liaison.post_form(
        f"/escalations/{escalation.id}/respond", {"version": escalation.version, "note": "  "}
    )
    assert response.status_code == 422
    assert db.session.get(Escalation, escalation.id).status == Status.SUBMITTED


def test_escalating_twice_to_the_same_party_is_refused(app, world):
    item = builders.bottleneck(world.coordinator)
    builders.escalation(world.coordinator, item, world.party)
    coordinator = _signed_in(app, world.coordinator)
    response = coordinator.post_form(
        f"/bottlenecks/{item.id}/escalate", {"party_ids": [world.party.id], "request": "Nogmaals"}
    )
    assert response.status_code == 422
    assert len(db.session.scalars(select(Escalation)).all()) == 1


def test_escalate_to_unknown_party_is_refused(app, world):
    item = builders.bottleneck(world.coordinator)
    coordinator = _signed_in(app, world.coordinator)
    response = coordinator.post_form(
        f"/bottlenecks/{item.id}/escalate", {"party_ids": ["999999"], "request": "Vraag"}
    )
    assert response.status_code == 422
    assert "Vraag" in response.get_data(as_text=True)


def test_inbox_is_sorted_by_deadline_and_marks_late_and_very_late(app, world):
    old = builders.bottleneck(world.coordinator, title="Oud knelpunt")
    new = builders.bottleneck(world.coordinator, title="Nieuw knelpunt")
    with time_machine.travel(_t(2026, 10, 1), tick=False):
        builders.escalation(world.coordinator, old, world.party)
    with time_machine.travel(_t(2026, 11, 16), tick=False):
        builders.escalation(world.coordinator, new, world.party)
    with time_machine.travel(_t(2026, 11, 18), tick=False):  # sessions are signed with a time
        page = _signed_in(app, world.liaison).get("/inbox").get_data(as_text=True)
    assert page.index("Oud knelpunt") < page.index("Nieuw knelpunt")
    row = re.search(r"Oud knelpunt.*?</tr>", page, re.S).group(0)
    assert "ruim te laat" in row
    assert "te laat" not in re.search(r"Nieuw knelpunt.*?</tr>", page, re.S).group(0)


def test_english_interface_on_request(app, world):
    world.liaison.language = "en"
    db.session.commit()
    liaison = _signed_in(app, world.liaison)
    assert "Party inbox" in liaison.get("/inbox").get_data(as_text=True)
    liaison.post_form("/language", {"language": "nl"})
    assert "Postvak" in liaison.get("/inbox").get_data(as_text=True) or 'lang="nl"' in liaison.get(
        "/inbox"
    ).get_data(as_text=True)


def _t(year, month, day):
    return datetime(year, month, day, 10, tzinfo=AMSTERDAM)


def test_missing_required_note_is_shown_at_the_field(app, world):
    item = builders.bottleneck(world.coordinator)
    escalation = builders.escalation(world.coordinator, item, world.party)
    liaison = _signed_in(app, world.liaison)
    page = liaison.post_form(
        f"/escalations/{escalation.id}/close", {"version": escalation.version, "note": ""}
    )
    assert page.status_code == 422
    assert 'class="field-error"' in page.get_data(as_text=True)

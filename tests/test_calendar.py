"""The private calendar feed: a secret URL (only its hash stored), revocable, the user's own."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select

from tests import builders
from tests.event_builders import event
from tracker.core.timeutil import AMSTERDAM
from tracker.events import closeout, ics, registrations
from tracker.events.models import CalendarFeed
from tracker.extensions import db


@pytest.fixture
def world(ctx):
    return builders.World()


def _entries(body: bytes) -> dict[str, object]:
    return {str(e["uid"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_the_feed_url_is_shown_once_and_only_its_hash_is_stored(client, world):
    client.login(world.coordinator.email, builders.PASSWORD)
    page = client.post_form("/calendar/").get_data(as_text=True)
    url = re.search(r'value="(http://localhost/calendar/[^"]+\.ics)"', page).group(1)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.user_id == world.coordinator.id)
    )
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in client.get("/calendar/").get_data(as_text=True)
    anonymous = client.application.test_client()
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 200
    assert feed.last_used_at is not None


def test_regenerating_or_revoking_makes_the_old_url_404(client, world):
    first = ics.create_feed(world.coordinator)
    second = ics.create_feed(world.coordinator)
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    ics.revoke_feed(world.coordinator)
    assert client.get(f"/calendar/{second}.ics").status_code == 404


def test_feed_holds_confirmed_events_deadlines_and_owned_actions_only(client, world):
    with time_machine.travel(datetime(2027, 1, 4, 9, tzinfo=AMSTERDAM), tick=False):
        mine = event(world.admin, world.party, day=date(2027, 1, 14), start=time(13, 30))
        other = event(world.admin, world.party, day=date(2027, 1, 15), title="Niet aangemeld")
        registrations.register(world.coordinator, mine.id)
        item = builders.bottleneck(world.coordinator, confidential=True, title="Geheim knelpunt")
        escalation = builders.escalation(world.coordinator, item, world.party)
    with time_machine.travel(datetime(2027, 1, 14, 17, tzinfo=AMSTERDAM), tick=False):
        action = closeout.add_action(
            world.admin,
            mine.id,
            title="Notitie schrijven",
            owner=f"user:{world.coordinator.id}",
            due=date(2027, 1, 29),
        )
    body = client.get(f"/calendar/{ics.create_feed(world.coordinator)}.ics").data
    entries = _entries(body)
    assert set(entries) == {
        f"event-{mine.id}@dsv-tracker",
        f"escalation-{escalation.id}-answer@dsv-tracker",
        f"action-{action.id}@dsv-tracker",
    }
    assert f"event-{other.id}@dsv-tracker" not in entries
    assert entries[f"event-{mine.id}@dsv-tracker"].decoded("dtstart") == datetime(
        2027, 1, 14, 12, 30, tzinfo=UTC
    )
    assert entries[f"action-{action.id}@dsv-tracker"].decoded("dtend") == datetime(
        2027, 1, 29, 16, tzinfo=UTC
    )
    assert "Geheim knelpunt" in str(
        entries[f"escalation-{escalation.id}-answer@dsv-tracker"]["summary"]
    )
    liaison_entries = _entries(client.get(f"/calendar/{ics.create_feed(world.liaison)}.ics").data)
    assert set(liaison_entries) == {f"escalation-{escalation.id}-answer@dsv-tracker"}
    stranger = _entries(client.get(f"/calendar/{ics.create_feed(world.other_liaison)}.ics").data)
    assert stranger == {}

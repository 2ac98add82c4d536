"""Builders for events: a planned event with sensible defaults, at a local date and time."""

from __future__ import annotations

from datetime import date, time, timedelta

from tracker.core.timeutil import AMSTERDAM, utcnow
from tracker.events import services
from tracker.events.models import Event
from tracker.events.services import EventInput


def event_input(organiser_party_id: int, **overrides) -> EventInput:
    soon = (utcnow().astimezone(AMSTERDAM) + timedelta(days=14)).date()
    values = {
        "kind": "national_table",
        "title": "Landelijke tafel populatiebekostiging",
        "day": soon,
        "start": time(13, 30),
        "end": time(16, 0),
        "organiser_party_id": organiser_party_id,
        "place": "Utrecht, Jaarbeurs",
    }
    values.update(overrides)
    return EventInput(**values)


def event(actor, party, **overrides) -> Event:
    return services.create(actor, event_input(party.id, **overrides))


def local_day(days_ahead: int) -> date:
    return (utcnow().astimezone(AMSTERDAM) + timedelta(days=days_ahead)).date()

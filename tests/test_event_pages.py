"""Event pages: forms that keep what was typed, local times shown, registration by button."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests import builders
from tests.event_builders import event, local_day
from tracker.events import registrations
from tracker.events.models import Event, Registration
from tracker.extensions import db


@pytest.fixture
def world(ctx):
    return builders.World()


def _form(world, **overrides) -> dict:
    data = {
        "kind": "webinar",
        "title": "Webinar regiobeeld",
        "organiser": f"party:{world.party.id}",
        "day": "2027-03-15",
        "start": "13:30",
        "end": "15:00",
        "place": "",
        "online_url": "https://meet.example/regiobeeld",
        "capacity": "40",
        "audience": "open",
        "audience_network_id": "",
    }
    data.update(overrides)
    return data


def test_a_liaison_plans_an_event_and_sees_it_in_local_time(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    response = client.post_form("/events/new", _form(world))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    created = db.session.scalar(select(Event).where(Event.title == "Webinar regiobeeld"))
    assert created.starts_at == datetime(2027, 3, 15, 12, 30, tzinfo=UTC)
    page = client.get(response.location).get_data(as_text=True)
    assert "13:30" in page and "15:00" in page
    assert "Aanmelden" in page


def test_bad_input_is_a_422_that_keeps_what_was_typed(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    response = client.post_form(
        "/events/new", _form(world, online_url="ftp://files.example", day="15-03-2027")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Webinar regiobeeld" in page
    assert "http://" in page  # the URL message
    assert "Ongeldige datum" in page
    assert db.session.scalar(select(Event).where(Event.title == "Webinar regiobeeld")) is None


def test_a_rule_refusal_is_a_422_too(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    response = client.post_form("/events/new", _form(world, end="12:00"))
    assert response.status_code == 422
    assert "De eindtijd moet na de begintijd liggen" in response.get_data(as_text=True)


def test_a_double_submit_plans_one_event(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    data = _form(world, nonce="same-form")
    first = client.post_form("/events/new", data)
    second = client.post_form("/events/new", data)
    assert first.location == second.location
    titles = db.session.scalars(select(Event.title).where(Event.title == "Webinar regiobeeld"))
    assert len(list(titles)) == 1


def test_register_without_csrf_token_is_refused(client, world):
    planned = event(world.admin, world.party)
    client.login(world.coordinator.email, builders.PASSWORD)
    response = client.post(f"/events/{planned.id}/register", data={})
    assert response.status_code == 400
    assert db.session.scalar(select(Registration)) is None


def test_register_and_waiting_list_through_the_pages(client, world, app):
    planned = event(world.admin, world.party, capacity=1)
    client.login(world.coordinator.email, builders.PASSWORD)
    assert client.post_form(f"/events/{planned.id}/register").status_code == 302
    other = app.test_client()
    other.login(world.member.email, builders.PASSWORD)
    other.post_form(f"/events/{planned.id}/register")
    page = other.get(f"/events/{planned.id}").get_data(as_text=True)
    assert "U staat op de wachtlijst, nummer 1." in page
    assert "1 van 1 bezet" in page
    client.post_form(f"/events/{planned.id}/unregister")
    page = other.get(f"/events/{planned.id}").get_data(as_text=True)
    assert "U bent aangemeld." in page
    assert f"{world.member.name} is van de wachtlijst doorgeschoven naar een plaats" in page
    assert f"{world.coordinator.name} heeft zich afgemeld" in page


def test_edit_form_shows_local_times_and_saves_with_the_version(client, world):
    planned = event(world.admin, world.party, day=local_day(20))
    client.login(world.liaison.email, builders.PASSWORD)
    page = client.get(f"/events/{planned.id}/edit").get_data(as_text=True)
    assert 'value="13:30"' in page
    data = _form(world, title="Nieuwe titel", version=str(planned.version))
    assert client.post_form(f"/events/{planned.id}/edit", data).status_code == 302
    assert planned.title == "Nieuwe titel"
    stale = client.post_form(f"/events/{planned.id}/edit", data)  # the old version again
    assert stale.status_code == 409
    data = _form(world, kind="national_table", title="Nieuwe titel", version=str(planned.version))
    client.post_form(f"/events/{planned.id}/edit", data)
    page = client.get(f"/events/{planned.id}").get_data(as_text=True)
    assert "Veld soort bijeenkomst gewijzigd van Webinar in Landelijke tafel" in page


def test_lowering_the_capacity_below_the_seats_given_is_a_clear_422(client, world):
    planned = event(world.admin, world.party, day=local_day(20), capacity=5)
    registrations.register(world.coordinator, planned.id)
    registrations.register(world.member, planned.id)
    client.login(world.liaison.email, builders.PASSWORD)
    data = _form(world, title="Titel die blijft staan", capacity="1", version=str(planned.version))
    response = client.post_form(f"/events/{planned.id}/edit", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2 mensen hebben al een plaats; de capaciteit kan niet lager zijn." in page
    assert 'value="Titel die blijft staan"' in page  # nothing typed is lost
    assert planned.capacity == 5


def test_ics_download_parses_back_with_the_right_times(client, world):
    from datetime import date, time

    planned = event(world.admin, world.party, day=date(2027, 7, 1), start=time(10), end=time(12))
    client.login(world.member.email, builders.PASSWORD)
    response = client.get(f"/events/{planned.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    (entry,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(entry["uid"]) == f"event-{planned.id}@dsv-tracker"
    assert entry.decoded("dtstart") == datetime(2027, 7, 1, 8, tzinfo=UTC)
    assert entry.decoded("dtend") == datetime(2027, 7, 1, 10, tzinfo=UTC)
    assert "dtstamp" in entry


def test_unknown_ids_and_bad_agenda_input_are_4xx_not_500(client, world):
    planned = event(world.admin, world.party)
    client.login(world.admin.email, builders.PASSWORD)
    assert client.get("/events/2147483648").status_code == 404
    assert client.post_form(f"/events/{planned.id}/agenda/999/remove").status_code == 404
    response = client.post_form(f"/events/{planned.id}/agenda", {"subject": "bottleneck:abc"})
    assert response.status_code == 422
    response = client.post_form(f"/events/{planned.id}/close", {"report": "x", "version": "1"})
    assert response.status_code == 422  # not started yet


def test_the_list_shows_upcoming_and_past_separately(client, world):
    import time_machine

    from tracker.core.timeutil import AMSTERDAM

    with time_machine.travel(datetime(2026, 1, 5, 9, tzinfo=AMSTERDAM), tick=False):
        event(world.admin, world.party, title="Al geweest", day=local_day(3))
    event(world.admin, world.party, title="Nog te gaan")
    client.login(world.member.email, builders.PASSWORD)
    upcoming = client.get("/events/").get_data(as_text=True)
    past = client.get("/events/?when=past").get_data(as_text=True)
    assert "Nog te gaan" in upcoming and "Al geweest" not in upcoming
    assert "Al geweest" in past and "Nog te gaan" not in past


def test_agenda_picker_lists_what_matches_the_search_and_adds_it(client, world):
    from tests.htmlforms import form_fields
    from tracker.roadblocks import services as road_blocks

    planned = event(world.admin, world.party)
    grouped = builders.bottleneck(world.other_coordinator, title="Zorgdata delen")
    road_block = road_blocks.create(
        world.admin,
        title="Gegevensdeling tussen domeinen",
        description="",
        building_block_id=grouped.building_block_id,
        party_id=None,
        bottleneck_ids=[grouped.id],
    )
    public = builders.bottleneck(world.coordinator, title="Gegevensdeling gemeente en GGD")
    builders.bottleneck(world.other_coordinator, title="Gegevensdeling geheim", confidential=True)
    client.login(world.admin.email, builders.PASSWORD)
    url = f"/events/{planned.id}"

    page = client.get(url).get_data(as_text=True)
    assert 'name="q"' in page and "Gegevensdeling" not in page  # no list before a search
    assert "<p>Nog geen agenda.</p>" in page  # a sentence, not item 1 of an empty list

    page = client.get(f"{url}?q=gegevensdeling").get_data(as_text=True)
    assert "Systeemknelpunt: Gegevensdeling tussen domeinen" in page
    assert "Knelpunt: Gegevensdeling gemeente en GGD (DSV Eigen)" in page
    assert "Gegevensdeling geheim" not in page
    assert "2 resultaten voor “gegevensdeling”." in page
    fragment = client.get(f"{url}/agenda/candidates?q=GGD").get_data(as_text=True)
    assert "Gegevensdeling gemeente en GGD" in fragment and "tussen domeinen" not in fragment

    form = form_fields(page, f"/events/{planned.id}/agenda")
    response = client.post_form(
        f"/events/{planned.id}/agenda", {**form, "subject": f"road_block:{road_block.id}"}
    )
    assert response.status_code == 302
    response = client.post_form(
        f"/events/{planned.id}/agenda", {**form, "subject": f"bottleneck:{public.id}"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    agenda = db.session.get(Event, planned.id).agenda
    assert [(i.road_block_id, i.bottleneck_id) for i in agenda] == [
        (road_block.id, None),
        (None, public.id),
    ]

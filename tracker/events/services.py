"""Rules for events: who organises what, when it takes place (in Amsterdam time), and the agenda.

An agenda is shown to the event's whole audience, so only road blocks and non-confidential
bottlenecks go on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import joinedload, selectinload

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core import pickers
from tracker.core.concurrency import check_version, conflicts_are_stale
from tracker.core.errors import InvalidInput, NotVisible
from tracker.core.timeutil import AMSTERDAM, utcnow
from tracker.directory.models import Dsv, Network, Party
from tracker.events import registrations
from tracker.events.models import AgendaItem, Audience, Event, EventKind, EventStatus
from tracker.extensions import db
from tracker.roadblocks.models import RoadBlock
from tracker.timeline.services import record

SUBJECT = "event"


@dataclass
class EventInput:
    """What the event form says, in local (Amsterdam) wall-clock time."""

    kind: str
    title: str
    day: date
    start: time
    end: time
    organiser_party_id: int | None = None
    organiser_network_id: int | None = None
    description: str = ""
    place: str = ""
    online_url: str = ""
    capacity: int | None = None
    audience: str = Audience.OPEN
    audience_network_id: int | None = None
    invitee_ids: list[int] = field(default_factory=list)


def local_moment(day: date, clock: time) -> datetime:
    """A local Amsterdam date and time as a UTC moment (DST-correct)."""
    return datetime.combine(day, clock, tzinfo=AMSTERDAM).astimezone(UTC)


def get(event_id: int) -> Event:
    """The event with its agenda subjects loaded, or NotVisible."""
    event = db.session.get(
        Event,
        event_id,
        options=(
            joinedload(Event.organiser_party),
            joinedload(Event.organiser_network),
            joinedload(Event.audience_network),
            # One query: an agenda has a few items.
            joinedload(Event.agenda).joinedload(AgendaItem.road_block),
            joinedload(Event.agenda).joinedload(AgendaItem.bottleneck).joinedload(Bottleneck.dsv),
        ),
    )
    if event is None:
        raise NotVisible()
    return event


def visible(actor: User, event_id: int) -> Event:
    """The event if the actor may see it (else NotVisible)."""
    event = get(event_id)
    authz.require(actor, "event.view", event)
    return event


def valid_url(url: str) -> bool:
    """An absolute http(s) URL with a host."""
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check(data: EventInput) -> None:
    if data.kind not in set(EventKind):
        raise InvalidInput(_("Choose from the list."))
    if (data.organiser_party_id is None) == (data.organiser_network_id is None):
        raise InvalidInput(_("Choose one organiser: a national party or a network."))
    if data.organiser_party_id is not None and not db.session.get(Party, data.organiser_party_id):
        raise InvalidInput(_("Choose from the list."))
    if data.organiser_network_id is not None and not db.session.get(
        Network, data.organiser_network_id
    ):
        raise InvalidInput(_("Choose from the list."))
    if data.end <= data.start:
        raise InvalidInput(_("The end time must be after the start time."))
    if not data.place.strip() and not data.online_url.strip():
        raise InvalidInput(_("Give a place or an online link."))
    if data.online_url.strip() and not valid_url(data.online_url):
        raise InvalidInput(_("The online link must start with http:// or https://."))
    if data.capacity is not None and data.capacity < 1:
        raise InvalidInput(_("The capacity must be a positive number, or empty for unlimited."))
    if data.audience not in set(Audience):
        raise InvalidInput(_("Choose from the list."))
    if data.audience == Audience.NETWORK and (
        data.audience_network_id is None or not db.session.get(Network, data.audience_network_id)
    ):
        raise InvalidInput(_("Choose the network whose DSVs are invited."))


def _apply(event: Event, data: EventInput) -> dict[str, tuple[object, object]]:
    """Write the input onto the event; returns the changed fields (old, new)."""
    invitees = (
        list(db.session.scalars(select(User).where(User.id.in_(data.invitee_ids))))
        if data.audience == Audience.INVITATION
        else []
    )
    values = {
        "kind": data.kind,
        "title": data.title.strip(),
        "description": data.description.strip(),
        "organiser_party_id": data.organiser_party_id,
        "organiser_network_id": data.organiser_network_id,
        "starts_at": local_moment(data.day, data.start),
        "ends_at": local_moment(data.day, data.end),
        "place": data.place.strip(),
        "online_url": data.online_url.strip(),
        "capacity": data.capacity,
        "audience": data.audience,
        "audience_network_id": (
            data.audience_network_id if data.audience == Audience.NETWORK else None
        ),
    }
    changed = {}
    for name, value in values.items():
        old = getattr(event, name)
        if old != value:
            changed[name] = (old, value)
            setattr(event, name, value)
    if {u.id for u in event.invitees} != {u.id for u in invitees}:
        changed["invitees"] = (len(event.invitees), len(invitees))
        event.invitees = invitees
    # The relationships follow the ids only after a flush; authz reads the objects.
    event.organiser_party = (
        db.session.get(Party, data.organiser_party_id) if data.organiser_party_id else None
    )
    event.organiser_network = (
        db.session.get(Network, data.organiser_network_id) if data.organiser_network_id else None
    )
    return changed


_NAMED = {
    "organiser_party_id": Party,
    "organiser_network_id": Network,
    "audience_network_id": Network,
}


def _shown(name: str, value: object) -> object:
    """Values as the timeline shows them: local wall-clock times, names instead of ids."""
    if isinstance(value, datetime):
        return value.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
    if name in _NAMED and value is not None:
        row = db.session.get(_NAMED[name], value)
        return row.name if row is not None else value
    return value


def _require_own_organiser(actor: User, event: Event) -> None:
    if not authz.can(actor, "event.manage", event):
        raise InvalidInput(
            _("You can organise for your own party or the networks it coordinates only.")
        )


def create(actor: User, data: EventInput) -> Event:
    """Plan a new event; the actor must be able to manage it (organiser's liaison or staff)."""
    authz.require(actor, "event.create")
    _check(data)
    event = Event(created_by_id=actor.id, status=EventStatus.PLANNED)
    _apply(event, data)
    _require_own_organiser(actor, event)
    db.session.add(event)
    db.session.flush()
    record(SUBJECT, event.id, "created", actor, new=event.title)
    db.session.commit()
    return event


@conflicts_are_stale
def update(actor: User, event_id: int, data: EventInput, version: int | None) -> Event:
    """Change a planned event (optimistic version check); more seats promote the waiting list,
    and the capacity never drops below the seats already given (nobody loses a seat)."""
    event = registrations.locked(event_id)
    authz.require(actor, "event.manage", event)
    check_version(event, version)
    if event.status != EventStatus.PLANNED:
        raise InvalidInput(_("Only a planned event can be changed."))
    _check(data)
    seated = registrations.confirmed_count(event.id)
    if data.capacity is not None and data.capacity < seated:
        raise InvalidInput(
            _(
                "%(n)d people already have a seat; the capacity cannot be lower than that.",
                n=seated,
            )
        )
    changed = _apply(event, data)
    _require_own_organiser(actor, event)
    for name, (old, new) in changed.items():
        old, new = (_shown(name, value) for value in (old, new))
        if name == "description":
            record(SUBJECT, event.id, "changed", actor, field=name)
        else:
            record(SUBJECT, event.id, "changed", actor, field=name, old=old, new=new)
    if changed:
        event.updated_at = utcnow()
    registrations.promote_waiting(event)
    db.session.commit()
    return event


@conflicts_are_stale
def cancel_event(actor: User, event_id: int, version: int | None) -> None:
    """Call off a planned event and e-mail everyone with a seat or on the waiting list."""
    event = get(event_id)
    authz.require(actor, "event.manage", event)
    check_version(event, version)
    if event.status != EventStatus.PLANNED:
        raise InvalidInput(_("Only a planned event can be cancelled."))
    record(SUBJECT, event.id, "status", actor, old=event.status, new=EventStatus.CANCELLED)
    event.status = EventStatus.CANCELLED
    event.updated_at = utcnow()
    registrations.tell_cancelled(event)
    db.session.commit()


def listing(actor: User, *, past: bool) -> Select:
    """Events the actor may see: upcoming soonest first, or past most recent first."""
    now = utcnow()
    query = (
        select(Event)
        .where(authz.visible_events(actor))
        .options(selectinload(Event.organiser_party), selectinload(Event.organiser_network))
    )
    if past:
        return query.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id)
    return query.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)


def organiser_choices(actor: User) -> list[tuple[str, str]]:
    """The organisers the actor may plan for: 'party:<id>' or 'network:<id>' with a name."""
    parties = select(Party).order_by(Party.name)
    networks = select(Network).order_by(Network.name)
    if not actor.is_admin:
        parties = parties.where(Party.id.in_(actor.party_ids))
        networks = networks.where(Network.coordinating_party_id.in_(actor.party_ids))
    return [(f"party:{p.id}", p.name) for p in db.session.scalars(parties)] + [
        (f"network:{n.id}", n.name) for n in db.session.scalars(networks)
    ]


def invitee_choices() -> list[tuple[int, str]]:
    """Active users who can be invited, by name."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [(u.id, f"{u.name} <{u.email}>") for u in users]


def fill_form(form, event: Event) -> None:
    """Put an event's stored values into the (local-time) form fields."""
    start, end = (m.astimezone(AMSTERDAM) for m in (event.starts_at, event.ends_at))
    form.day.data, form.start.data, form.end.data = start.date(), start.time(), end.time()
    form.organiser.data = (
        f"party:{event.organiser_party_id}"
        if event.organiser_party_id
        else f"network:{event.organiser_network_id}"
    )
    form.invitee_ids.data = [u.id for u in event.invitees]
    form.version.data = event.version


# --- agenda -----------------------------------------------------------------------------------


@conflicts_are_stale
def add_agenda_item(
    actor: User,
    event_id: int,
    *,
    road_block_id: int | None = None,
    bottleneck_id: int | None = None,
    note: str = "",
) -> AgendaItem:
    """Put a road block or a non-confidential bottleneck at the end of the agenda."""
    event = _editable_agenda(actor, event_id)
    if (road_block_id is None) == (bottleneck_id is None):
        raise InvalidInput(_("Choose a road block or a bottleneck."))
    if road_block_id is not None:
        subject = db.session.get(RoadBlock, road_block_id)
        if subject is None:
            raise InvalidInput(_("Choose from the list."))
    else:
        subject = db.session.get(Bottleneck, bottleneck_id)
        if subject is None or not authz.can(actor, "bottleneck.view", subject):
            raise InvalidInput(_("Choose from the list."))
        if subject.is_confidential:
            raise InvalidInput(
                _("Confidential bottlenecks cannot go on an agenda: the audience would see them.")
            )
    item = AgendaItem(
        position=len(event.agenda) + 1,
        road_block_id=road_block_id,
        bottleneck_id=bottleneck_id,
        note=note.strip(),
    )
    event.agenda.append(item)
    record(SUBJECT, event.id, "agenda_added", actor, new=subject.title)
    db.session.commit()
    return item


def _editable_agenda(actor: User, event_id: int) -> Event:
    event = get(event_id)
    authz.require(actor, "event.manage", event)
    if event.status != EventStatus.PLANNED:
        raise InvalidInput(_("The agenda of a cancelled or closed event cannot change."))
    return event


def _agenda_item(event: Event, item_id: int) -> AgendaItem:
    item = next((i for i in event.agenda if i.id == item_id), None)
    if item is None:
        raise NotVisible()
    return item


@conflicts_are_stale
def remove_agenda_item(actor: User, event_id: int, item_id: int) -> None:
    """Take an item off the agenda; the others close ranks."""
    event = _editable_agenda(actor, event_id)
    item = _agenda_item(event, item_id)
    event.agenda.remove(item)
    for position, other in enumerate(event.agenda, start=1):
        other.position = position
    record(SUBJECT, event.id, "agenda_removed", actor, old=item.subject.title)
    db.session.commit()


@conflicts_are_stale
def move_agenda_item(actor: User, event_id: int, item_id: int, direction: str) -> None:
    """Swap an item with its neighbour above ('up') or below ('down')."""
    event = _editable_agenda(actor, event_id)
    item = _agenda_item(event, item_id)
    items = list(event.agenda)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        raise InvalidInput(_("This item cannot move further."))
    items[index], items[other] = items[other], items[index]
    for position, row in enumerate(items, start=1):
        row.position = position
    record(SUBJECT, event.id, "agenda_moved", actor, new=item.subject.title)
    db.session.commit()


def agenda_candidates(actor: User, search: str) -> tuple[list[Row], list[Row]]:
    """The first few road blocks (id, title) and non-confidential bottlenecks (id, title, DSV
    name) matching the search that the actor may put on an agenda, most recently changed first:
    plain rows, as they only fill a list of choices (two queries)."""
    road_blocks = select(RoadBlock.id, RoadBlock.title)
    bottlenecks = (
        select(Bottleneck.id, Bottleneck.title, Dsv.name.label("dsv"))
        .join(Bottleneck.dsv)
        .where(Bottleneck.is_confidential.is_(False), authz.visible_bottlenecks(actor))
    )
    return (
        list(db.session.execute(pickers.narrowed(road_blocks, RoadBlock, search))),
        list(db.session.execute(pickers.narrowed(bottlenecks, Bottleneck, search))),
    )

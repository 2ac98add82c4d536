"""An event of the learning network, its agenda, registrations and follow-up actions."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.directory.models import Network, Party
from tracker.extensions import db
from tracker.roadblocks.models import RoadBlock


class EventKind(enum.StrEnum):
    NATIONAL_TABLE = "national_table"
    KNOWLEDGE_SHARING = "knowledge_sharing"
    ACTION_ORIENTED = "action_oriented"
    WEBINAR = "webinar"


KIND_LABELS = {
    EventKind.NATIONAL_TABLE: _l("National table meeting"),
    EventKind.KNOWLEDGE_SHARING: _l("Knowledge-sharing session"),
    EventKind.ACTION_ORIENTED: _l("Action-oriented meeting"),
    EventKind.WEBINAR: _l("Webinar"),
}


class Audience(enum.StrEnum):
    OPEN = "open"  # every signed-in user
    NETWORK = "network"  # users of the DSVs in one network
    INVITATION = "invitation"  # invited users only


AUDIENCE_LABELS = {
    Audience.OPEN: _l("Open to everyone in the learning network"),
    Audience.NETWORK: _l("Members of the DSVs in one network"),
    Audience.INVITATION: _l("By invitation only"),
}


class EventStatus(enum.StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"
    CLOSED = "closed"  # held, attendance and follow-up recorded


STATUS_LABELS = {
    EventStatus.PLANNED: _l("planned"),
    EventStatus.CANCELLED: _l("cancelled"),
    EventStatus.CLOSED: _l("closed"),
}


event_invitees = Table(
    "event_invitees",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    organiser_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    organiser_network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None]
    audience: Mapped[str] = mapped_column(String(16), default=Audience.OPEN)
    audience_network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.PLANNED, index=True)
    report: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organiser_party: Mapped[Party | None] = relationship()
    organiser_network: Mapped[Network | None] = relationship(foreign_keys=[organiser_network_id])
    audience_network: Mapped[Network | None] = relationship(foreign_keys=[audience_network_id])
    invitees: Mapped[list[User]] = relationship(secondary=event_invitees, order_by="User.name")
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="event", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    actions: Mapped[list[FollowUpAction]] = relationship(
        back_populates="event", order_by="FollowUpAction.due_at", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(
            "(organiser_party_id IS NULL) <> (organiser_network_id IS NULL)", name="one_organiser"
        ),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def organiser(self) -> Party | Network:
        return self.organiser_party or self.organiser_network

    def __str__(self) -> str:
        return self.title


class AgendaItem(db.Model):
    """A road block or a (non-confidential) bottleneck on an event's agenda."""

    __tablename__ = "event_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    road_block_id: Mapped[int | None] = mapped_column(ForeignKey("road_blocks.id"), index=True)
    bottleneck_id: Mapped[int | None] = mapped_column(ForeignKey("bottlenecks.id"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")

    event: Mapped[Event] = relationship(back_populates="agenda")
    road_block: Mapped[RoadBlock | None] = relationship()
    bottleneck: Mapped[Bottleneck | None] = relationship()

    __table_args__ = (
        CheckConstraint("(road_block_id IS NULL) <> (bottleneck_id IS NULL)", name="one_subject"),
    )

    @property
    def subject(self) -> RoadBlock | Bottleneck:
        return self.road_block or self.bottleneck


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Registration(db.Model):
    """One user's seat (or place on the waiting list) for an event; re-used after a cancel."""

    __tablename__ = "event_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    # The moment of the last (re-)registration: the waiting list is FIFO on it.
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attended: Mapped[bool | None]

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("event_id", "user_id"),)


class FollowUpAction(db.Model):
    """An action agreed at an event, owned by a user or a party, due at 17:00 on a local day."""

    __tablename__ = "event_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    road_block_id: Mapped[int | None] = mapped_column(ForeignKey("road_blocks.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    event: Mapped[Event] = relationship(back_populates="actions")
    road_block: Mapped[RoadBlock | None] = relationship()
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    owner_party: Mapped[Party | None] = relationship()
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    __table_args__ = (
        CheckConstraint("(owner_user_id IS NULL) <> (owner_party_id IS NULL)", name="one_owner"),
    )

    @property
    def owner(self) -> User | Party:
        return self.owner_user or self.owner_party


class CalendarFeed(db.Model):
    """A user's private calendar feed; only the SHA-256 of its token is stored."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

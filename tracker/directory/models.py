"""Registry models. Codes are stable; names are shown in the user's language."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.auth.models import User


class Bilingual:
    """Mixin for rows with a Dutch and an English name."""

    name_nl: Mapped[str]
    name_en: Mapped[str]

    @property
    def name(self) -> str:
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_nl


class BuildingBlock(Bilingual, db.Model):
    __tablename__ = "building_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    number: Mapped[int] = mapped_column(unique=True)
    name_nl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))


class Domain(Bilingual, db.Model):
    __tablename__ = "domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_nl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    is_core: Mapped[bool] = mapped_column(default=True)


class Party(db.Model):
    """A national party (landelijke partij) that receives escalations."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    table_contact_email: Mapped[str | None] = mapped_column(String(254))
    answer_working_days: Mapped[int] = mapped_column(default=20)
    digest_cadence: Mapped[str] = mapped_column(String(16), default="weekly")

    liaisons: Mapped[list[User]] = relationship(
        secondary="party_members", back_populates="parties", order_by="User.name"
    )

    def __str__(self) -> str:
        return self.name


class Network(db.Model):
    """A network of DSVs coordinated by a national party (e.g. JZOJP by ZonMw)."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    coordinating_party_id: Mapped[int | None] = mapped_column(
        ForeignKey("parties.id", ondelete="SET NULL"), index=True
    )

    coordinating_party: Mapped[Party | None] = relationship()

    def __str__(self) -> str:
        return self.name


class Phase(enum.StrEnum):
    """A phase is a label a DSV sets for itself, not a gate."""

    FOUNDING = "founding"
    VISION = "vision"
    OPERATIONAL = "operational"
    CONSOLIDATION = "consolidation"


PHASE_LABELS = {
    Phase.FOUNDING: _l("1. Founding"),
    Phase.VISION: _l("2. Shared vision, goals and approach"),
    Phase.OPERATIONAL: _l("3. Operational"),
    Phase.CONSOLIDATION: _l("4. Organisational and financial consolidation"),
}


dsv_networks = Table(
    "dsv_networks",
    db.metadata,
    Column("dsv_id", ForeignKey("dsvs.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "network_id", ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

dsv_domains = Table(
    "dsv_domains",
    db.metadata,
    Column("dsv_id", ForeignKey("dsvs.id", ondelete="CASCADE"), primary_key=True),
    Column("domain_id", ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True),
)


class Dsv(db.Model):
    """A cross-domain regional collaboration (domeinoverstijgend samenwerkingsverband)."""

    __tablename__ = "dsvs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    region: Mapped[str] = mapped_column(String(160), default="")
    municipalities: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[str | None] = mapped_column(String(16))

    networks: Mapped[list[Network]] = relationship(secondary=dsv_networks, order_by="Network.name")
    domains: Mapped[list[Domain]] = relationship(secondary=dsv_domains, order_by="Domain.id")
    members: Mapped[list[User]] = relationship(
        secondary="dsv_members", back_populates="dsvs", order_by="User.name"
    )

    def __str__(self) -> str:
        return self.name

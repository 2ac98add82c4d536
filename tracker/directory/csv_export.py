"""The columns of the registry list exports for programme staff (see tracker.core.csv)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from tracker.auth.models import User
from tracker.digests.models import CADENCE_LABELS
from tracker.directory.models import PHASE_LABELS


def _names(rows) -> str:
    return ", ".join(row.name for row in rows)


def registry(key: str, items: Iterable) -> tuple[list[str], list[list]]:
    """Header and rows of one registry table (parties, networks, DSVs)."""
    if key == "parties":
        return [
            _("Name"),
            _("Table contact e-mail"),
            _("Answer deadline (working days)"),
            _("Road-block digest"),
            _("Liaisons"),
        ], [
            [
                p.name,
                p.table_contact_email or "",
                p.answer_working_days,
                CADENCE_LABELS.get(p.digest_cadence, p.digest_cadence),
                _names(p.liaisons),
            ]
            for p in items
        ]
    if key == "networks":
        return [_("Name"), _("Coordinating party"), _("Description")], [
            [n.name, n.coordinating_party.name if n.coordinating_party else "", n.description]
            for n in items
        ]
    return [
        _("Name"),
        _("Region"),
        _("Municipalities"),
        _("Phase (self-declared)"),
        _("Networks"),
        _("Coordinators"),
    ], [
        [
            d.name,
            d.region,
            d.municipalities,
            PHASE_LABELS.get(d.phase, "") if d.phase else "",
            _names(d.networks),
            _names(d.members),
        ]
        for d in items
    ]


def _roles(user: User) -> str:
    roles = [_("Programme staff")] if user.is_admin else []
    roles += [f"{_('Coordinator')}: {d.name}" for d in user.dsvs]
    roles += [f"{_('Liaison')}: {p.name}" for p in user.parties]
    return ", ".join(roles)


def _state(user: User) -> str:
    if not user.active:
        return _("inactive")
    return _("active") if user.has_accepted_invite else _("invited")


def users(items: Iterable[User]) -> tuple[list[str], list[list]]:
    """Header and rows of the people list."""
    return [_("Name"), _("E-mail address"), _("Roles"), _("Status"), _("Language")], [
        [u.name, u.email, _roles(u), _state(u), u.language] for u in items
    ]

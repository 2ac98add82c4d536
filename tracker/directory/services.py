"""Registry rules: admins create and edit parties, networks and DSVs; every change is recorded."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker import authz
from tracker.auth.models import User
from tracker.core.errors import InvalidInput, NotVisible
from tracker.directory.models import Domain, Dsv, Network, Party, Phase
from tracker.extensions import db
from tracker.timeline.services import record


def slugify(text: str) -> str:
    """A URL-safe lower-case slug ("Health~Holland" -> "health-holland")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "item"


def _display(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(getattr(v, "slug", None) or getattr(v, "code", str(v)) for v in value)
    if isinstance(value, Party | Network):
        return value.slug
    return value


def _unique_name(model, name: str, exclude_id: int | None) -> None:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise InvalidInput(_("The name “%(name)s” is already in use.", name=name))


def _apply(actor: User, obj, subject: str, values: dict[str, Any]) -> None:
    """Set `values` on `obj` and record one old -> new event per changed field."""
    created = obj.id is None
    _unique_name(type(obj), values["name"], obj.id)
    old = {field: _display(getattr(obj, field)) for field in values} if not created else {}
    for field, value in values.items():
        setattr(obj, field, value)
    if created:
        obj.slug = _free_slug(type(obj), values["name"])
        db.session.add(obj)
        db.session.flush()
        record(subject, obj.id, "created", actor, new=obj.name)
    else:
        for field, value in values.items():
            if old[field] != _display(value):
                record(
                    subject,
                    obj.id,
                    "changed",
                    actor,
                    field=field,
                    old=old[field],
                    new=_display(value),
                )
    db.session.commit()


def _free_slug(model, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _load(model, obj_id: int | None):
    if obj_id is None:
        return model()
    obj = db.session.get(model, obj_id)
    if obj is None:
        raise NotVisible()
    return obj


def save_party(
    actor: User,
    party_id: int | None,
    *,
    name: str,
    table_contact_email: str | None,
    answer_working_days: int,
    digest_cadence: str = "weekly",
) -> Party:
    """Create or edit a national party; the answer deadline applies to new escalations only."""
    authz.require(actor, "registry.manage")
    if digest_cadence not in {"weekly", "biweekly", "monthly"}:
        raise InvalidInput(_("Choose from the list."))
    if not 1 <= answer_working_days <= 120:
        raise InvalidInput(_("The answer deadline must be between 1 and 120 working days."))
    party = _load(Party, party_id)
    _apply(
        actor,
        party,
        "party",
        {
            "name": name.strip(),
            "table_contact_email": (table_contact_email or "").strip().lower() or None,
            "answer_working_days": answer_working_days,
            "digest_cadence": digest_cadence,
        },
    )
    return party


def save_network(
    actor: User,
    network_id: int | None,
    *,
    name: str,
    description: str,
    coordinating_party_id: int | None,
) -> Network:
    """Create or edit a network and its coordinating party."""
    authz.require(actor, "registry.manage")
    party = db.session.get(Party, coordinating_party_id) if coordinating_party_id else None
    if coordinating_party_id and party is None:
        raise InvalidInput(_("Choose parties from the list."))
    network = _load(Network, network_id)
    _apply(
        actor,
        network,
        "network",
        {
            "name": name.strip(),
            "description": description.strip(),
            "coordinating_party": party,
        },
    )
    return network


def save_dsv(
    actor: User,
    dsv_id: int | None,
    *,
    name: str,
    region: str,
    municipalities: str,
    phase: str | None,
    network_ids: Iterable[int],
    domain_ids: Iterable[int],
) -> Dsv:
    """Create or edit a DSV with its networks, participating domains and self-declared phase."""
    authz.require(actor, "registry.manage")
    if phase and phase not in set(Phase):
        raise InvalidInput(_("Choose a phase from the list."))
    network_ids, domain_ids = set(network_ids), set(domain_ids)
    networks = list(db.session.scalars(select(Network).where(Network.id.in_(network_ids))))
    domains = list(db.session.scalars(select(Domain).where(Domain.id.in_(domain_ids))))
    if len(networks) != len(network_ids) or len(domains) != len(domain_ids):
        raise InvalidInput(_("Choose networks and domains from the list."))
    dsv = _load(Dsv, dsv_id)
    _apply(
        actor,
        dsv,
        "dsv",
        {
            "name": name.strip(),
            "region": region.strip(),
            "municipalities": municipalities.strip(),
            "phase": phase or None,
            "networks": networks,
            "domains": domains,
        },
    )
    return dsv

"""Who may do what to which object: one declarative map, one helper every view and service calls.

A user who may not even see an object gets NotVisible (404), so existence never leaks; a user who
can see it but may not act on it gets NotAllowed (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import aliased

from tracker.auth.models import User, dsv_members
from tracker.bottlenecks.models import Bottleneck
from tracker.core.errors import NotAllowed, NotVisible
from tracker.core.timeutil import utcnow
from tracker.directory.models import Network, dsv_networks
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import Side, transition_for
from tracker.events.models import Audience, Event, EventStatus, event_invitees


def _member(user: User, dsv_id: int) -> bool:
    return dsv_id in user.dsv_ids


def _addressed_liaison(user: User, bottleneck: Bottleneck) -> bool:
    parties = user.party_ids
    return bool(parties) and any(e.party_id in parties for e in bottleneck.escalations)


def _can_view_bottleneck(user: User, bottleneck: Bottleneck) -> bool:
    return (
        not bottleneck.is_confidential
        or _member(user, bottleneck.dsv_id)
        or _addressed_liaison(user, bottleneck)
    )


def _can_view_escalation(user: User, escalation: Escalation) -> bool:
    """Its party's liaisons, and whoever may see its bottleneck (no lazy load for the inbox)."""
    return escalation.party_id in user.party_ids or _can_view_bottleneck(
        user, escalation.bottleneck
    )


def _can_act_on_escalation(user: User, escalation: Escalation, action: str) -> bool:
    transition = transition_for(action)
    if transition is None:
        return False
    if transition.side is Side.PARTY:
        return escalation.party_id in user.party_ids
    return _member(user, escalation.bottleneck.dsv_id)


def _manages_event(user: User, event: Event) -> bool:
    if user.is_admin:
        return True
    if event.organiser_party_id is not None:
        return event.organiser_party_id in user.party_ids
    network = event.organiser_network
    return network is not None and network.coordinating_party_id in user.party_ids


def _in_network(user: User, network_id: int | None) -> bool:
    return any(n.id == network_id for dsv in user.dsvs for n in dsv.networks)


def _can_view_event(user: User, event: Event) -> bool:
    if event.audience == Audience.NETWORK:
        return _in_network(user, event.audience_network_id) or _manages_event(user, event)
    if event.audience == Audience.INVITATION:
        return user in event.invitees or _manages_event(user, event)
    return True


def _can_register(user: User, event: Event) -> bool:
    return (
        _can_view_event(user, event)
        and event.status == EventStatus.PLANNED
        and event.starts_at > utcnow()
    )


Rule = Callable[[User, Any], bool]

#: action -> rule(user, object). Every view and service asks through `can` / `require`.
RULES: dict[str, Rule] = {
    "bottleneck.view": _can_view_bottleneck,
    # Without a DSV: may this user log bottlenecks at all (the "new" page)?
    "bottleneck.create": lambda user, dsv: _member(user, dsv.id) if dsv else bool(user.dsv_ids),
    "bottleneck.edit": lambda user, b: _member(user, b.dsv_id),
    "bottleneck.escalate": lambda user, b: _member(user, b.dsv_id),
    "bottleneck.comment": lambda user, b: _member(user, b.dsv_id) or _addressed_liaison(user, b),
    "escalation.view": _can_view_escalation,
    "inbox.view": lambda user, _: bool(user.party_ids),
    # Digests list confidential items only as counts, so the whole learning network may read.
    "digest.view": lambda user, party: True,
    # The overview counts only what `visible_bottlenecks` lets each viewer see.
    "insights.view": lambda user, _: True,
    "registry.manage": lambda user, _: user.is_admin,
    # Programme staff and party liaisons group bottlenecks into road blocks and merge duplicates.
    "roadblock.manage": lambda user, _: user.is_admin or bool(user.party_ids),
    "bottleneck.merge": lambda user, _: user.is_admin or bool(user.party_ids),
    "roadblock.view": lambda user, _: True,
    "cosignature.view": lambda user, _: True,
    # "This is ours too": a coordinator of another DSV, on a public bottleneck or a road block.
    "bottleneck.cosign": lambda user, b: (
        not b.is_confidential
        and b.merged_into_id is None
        and any(dsv_id != b.dsv_id for dsv_id in user.dsv_ids)
    ),
    "roadblock.cosign": lambda user, _: bool(user.dsv_ids),
    "cosignature.withdraw": lambda user, c: _member(user, c.dsv_id),
    # Events: the audience decides who sees one; organisers (and programme staff) manage it.
    "event.view": _can_view_event,
    "event.create": lambda user, _: user.is_admin or bool(user.party_ids),
    "event.manage": _manages_event,
    "event.register": _can_register,
    # A follow-up action: its owner, the owning party's liaisons, or the event's managers.
    "action.complete": lambda user, a: (
        a.owner_user_id == user.id
        or a.owner_party_id in user.party_ids
        or _manages_event(user, a.event)
    ),
}

#: The rule that decides whether a refusal is a 404 (cannot see) or a 403 (can see, cannot act).
VISIBILITY = {
    "bottleneck": "bottleneck.view",
    "escalation": "escalation.view",
    "roadblock": "roadblock.view",
    "cosignature": "cosignature.view",
    "event": "event.view",
}


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """True when `user` may do `action` to `obj`; unknown actions are refused."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if action.startswith("escalation.") and transition_for(action.removeprefix("escalation.")):
        return _can_view_escalation(user, obj) and _can_act_on_escalation(
            user, obj, action.removeprefix("escalation.")
        )
    rule = RULES.get(action)
    return rule is not None and rule(user, obj)


def require(user: User | None, action: str, obj: Any = None) -> None:
    """Raise NotVisible or NotAllowed unless `user` may do `action` to `obj`."""
    if can(user, action, obj):
        return
    visibility = VISIBILITY.get(action.split(".", 1)[0]) if obj is not None else None
    if visibility and visibility != action and can(user, visibility, obj):
        raise NotAllowed()
    raise NotVisible()


@dataclass(frozen=True)
class BottleneckScope:
    """Everything `visible_bottlenecks` depends on, and nothing else: two viewers with equal
    scopes see exactly the same bottlenecks, so figures computed for one may be shown to the
    other (the overview's cache keys on `key`)."""

    signed_in: bool
    dsv_ids: tuple[int, ...] = ()
    party_ids: tuple[int, ...] = ()

    def clause(self, *, correlated: bool = False) -> ColumnElement[bool]:
        """The SQL condition: not confidential, or of one of the DSVs, or escalated to one of
        the parties.

        The same rule in two SQL shapes for "escalated to one of the parties": `IN (subquery)`
        by default, which PostgreSQL hashes once (best for counts and aggregates over many
        rows), or with `correlated=True` an `EXISTS` per row (best when a query reads a few rows
        in index order, `ORDER BY ... LIMIT`, such as the API's update feed).
        """
        if not self.signed_in:
            return false()
        clauses: list[ColumnElement[bool]] = [Bottleneck.is_confidential.is_(False)]
        if self.dsv_ids:
            clauses.append(Bottleneck.dsv_id.in_(self.dsv_ids))
        if self.party_ids and correlated:
            # An alias, so a query that joins escalations itself still correlates on bottlenecks.
            addressed = aliased(Escalation)
            clauses.append(
                select(addressed.id)
                .where(
                    addressed.bottleneck_id == Bottleneck.id,
                    addressed.party_id.in_(self.party_ids),
                )
                .correlate(Bottleneck)
                .exists()
            )
        elif self.party_ids:
            clauses.append(
                Bottleneck.id.in_(
                    select(Escalation.bottleneck_id).where(Escalation.party_id.in_(self.party_ids))
                )
            )
        return or_(*clauses)

    @property
    def key(self) -> str:
        """A stable text form, the same in every process: 'd1,7;p3' (or 'anonymous')."""
        if not self.signed_in:
            return "anonymous"
        return f"d{','.join(map(str, self.dsv_ids))};p{','.join(map(str, self.party_ids))}"


def bottleneck_scope(user: User) -> BottleneckScope:
    """What `user` may see of bottlenecks: their DSVs and parties (being programme staff adds
    nothing: staff see what everyone sees, plus their own DSVs' and parties')."""
    if not user.is_authenticated:
        return BottleneckScope(signed_in=False)
    return BottleneckScope(True, tuple(sorted(user.dsv_ids)), tuple(sorted(user.party_ids)))


def visible_bottlenecks(user: User, *, correlated: bool = False) -> ColumnElement[bool]:
    """The SQL twin of the bottleneck.view rule, for lists, counts and exports (see
    `BottleneckScope.clause` for the two shapes)."""
    return bottleneck_scope(user).clause(correlated=correlated)


def visible_events(user: User) -> ColumnElement[bool]:
    """The SQL twin of the event.view rule, for the event list."""
    if not user.is_authenticated:
        return false()
    if user.is_admin:
        return true()
    clauses: list[ColumnElement[bool]] = [Event.audience == Audience.OPEN]
    if user.party_ids:
        clauses.append(Event.organiser_party_id.in_(user.party_ids))
        clauses.append(
            Event.organiser_network_id.in_(
                select(Network.id).where(Network.coordinating_party_id.in_(user.party_ids))
            )
        )
    clauses.append(
        (Event.audience == Audience.NETWORK)
        & Event.audience_network_id.in_(
            select(dsv_networks.c.network_id)
            .join(dsv_members, dsv_members.c.dsv_id == dsv_networks.c.dsv_id)
            .where(dsv_members.c.user_id == user.id)
        )
    )
    clauses.append(
        (Event.audience == Audience.INVITATION)
        & Event.id.in_(select(event_invitees.c.event_id).where(event_invitees.c.user_id == user.id))
    )
    return or_(*clauses)

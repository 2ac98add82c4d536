"""Who may do what to which object: one declarative map, one helper every view and service calls.

A user who may not even see an object gets NotVisible (404), so existence never leaks; a user who
can see it but may not act on it gets NotAllowed (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core.errors import NotAllowed, NotVisible
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import Side, transition_for


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


def _can_act_on_escalation(user: User, escalation: Escalation, action: str) -> bool:
    transition = transition_for(action)
    if transition is None:
        return False
    if transition.side is Side.PARTY:
        return escalation.party_id in user.party_ids
    return _member(user, escalation.bottleneck.dsv_id)


Rule = Callable[[User, Any], bool]

#: action -> rule(user, object). Every view and service asks through `can` / `require`.
RULES: dict[str, Rule] = {
    "bottleneck.view": _can_view_bottleneck,
    # Without a DSV: may this user log bottlenecks at all (the "new" page)?
    "bottleneck.create": lambda user, dsv: _member(user, dsv.id) if dsv else bool(user.dsv_ids),
    "bottleneck.edit": lambda user, b: _member(user, b.dsv_id),
    "bottleneck.escalate": lambda user, b: _member(user, b.dsv_id),
    "bottleneck.comment": lambda user, b: _member(user, b.dsv_id) or _addressed_liaison(user, b),
    "escalation.view": lambda user, e: _can_view_bottleneck(user, e.bottleneck),
    "inbox.view": lambda user, _: bool(user.party_ids),
    # Digests list confidential items only as counts, so the whole learning network may read.
    "digest.view": lambda user, party: True,
    # The overview counts only what `visible_bottlenecks` lets each viewer see.
    "insights.view": lambda user, _: True,
    "registry.manage": lambda user, _: user.is_admin,
    # Programme staff and party liaisons group bottlenecks into road blocks.
    "roadblock.manage": lambda user, _: user.is_admin or bool(user.party_ids),
}

#: The rule that decides whether a refusal is a 404 (cannot see) or a 403 (can see, cannot act).
VISIBILITY = {"bottleneck": "bottleneck.view", "escalation": "escalation.view"}


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """True when `user` may do `action` to `obj`; unknown actions are refused."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if action.startswith("escalation.") and transition_for(action.removeprefix("escalation.")):
        return _can_view_bottleneck(user, obj.bottleneck) and _can_act_on_escalation(
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


def visible_bottlenecks(user: User) -> ColumnElement[bool]:
    """The SQL twin of the bottleneck.view rule, for lists, counts and exports."""
    if not user.is_authenticated:
        return false()
    clauses: list[ColumnElement[bool]] = [Bottleneck.is_confidential.is_(False)]
    if user.dsv_ids:
        clauses.append(Bottleneck.dsv_id.in_(user.dsv_ids))
    if user.party_ids:
        clauses.append(
            Bottleneck.id.in_(
                select(Escalation.bottleneck_id).where(Escalation.party_id.in_(user.party_ids))
            )
        )
    return or_(*clauses) if clauses else true()

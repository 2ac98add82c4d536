"""Who is told what, and when: called by the services inside their transaction."""

from __future__ import annotations

from tracker import authz
from tracker.auth.models import User
from tracker.core.urls import external_url
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import Side, Transition
from tracker.notifications.services import deliver_to_user


def _active(users: list[User]) -> list[User]:
    return [user for user in users if user.active and user.has_accepted_invite]


def _link(escalation: Escalation) -> str:
    return external_url(
        "bottlenecks.detail",
        bottleneck_id=escalation.bottleneck_id,
        _anchor=f"escalation-{escalation.id}",
    )


def escalation_submitted(escalation: Escalation) -> None:
    """Tell every active liaison of the addressed party about a new (or forwarded) escalation."""
    for liaison in _active(escalation.party.liaisons):
        deliver_to_user(
            "escalation_submitted",
            liaison,
            escalation=escalation,
            bottleneck=escalation.bottleneck,
            link=_link(escalation),
        )


def escalation_changed(escalation: Escalation, transition: Transition, actor: User) -> None:
    """A party's step goes to the owner, a DSV's step to the liaisons; both to the followers."""
    if transition.side is Side.PARTY:
        recipients = _active([escalation.bottleneck.owner])
    else:
        recipients = _active(escalation.party.liaisons)
    recipients += [
        follower
        for follower in _active(escalation.bottleneck.followers)
        if follower not in recipients
        and follower.id != actor.id
        and authz.can(follower, "bottleneck.view", escalation.bottleneck)
    ]
    for person in recipients:
        deliver_to_user(
            "escalation_changed",
            person,
            escalation=escalation,
            bottleneck=escalation.bottleneck,
            transition=transition,
            link=_link(escalation),
        )


def invitation(user: User, link: str, hours: int) -> None:
    """E-mail an invitation link (the account has no password yet, so no preference applies)."""
    deliver_to_user("invitation", user, link=link, hours=hours, forced=True)


def password_reset(user: User, link: str, hours: int) -> None:
    """E-mail a password-reset link."""
    deliver_to_user("password_reset", user, link=link, hours=hours, forced=True)

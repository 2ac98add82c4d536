"""The escalation workflow as data: every allowed status change, who may make it, what it needs.

Code, buttons, authorization and tests all read this one table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class Status(enum.StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"
    REOPENED = "reopened"
    ACCEPTED = "accepted"
    FORWARDED = "forwarded"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # closed without an answer


class Side(enum.StrEnum):
    PARTY = "party"  # a liaison of the addressed party
    DSV = "dsv"  # a member of the bottleneck's DSV


#: Statuses in which the party still has to act; deadlines run only here.
AWAITING_PARTY = frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED, Status.REOPENED})
#: Statuses in which the escalation has ended (its clock stopped; the DSV may escalate again
#: after a withdrawal or a close without answer).
ENDED = frozenset({Status.ACCEPTED, Status.FORWARDED, Status.WITHDRAWN, Status.CLOSED})
#: Statuses after which nothing can happen any more.
TERMINAL = frozenset({Status.ACCEPTED, Status.FORWARDED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status
    side: Side
    label: str
    note_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "acknowledge",
            frozenset({Status.SUBMITTED}),
            Status.ACKNOWLEDGED,
            Side.PARTY,
            _l("Acknowledge"),
        ),
        Transition(
            "respond",
            AWAITING_PARTY,
            Status.ANSWERED,
            Side.PARTY,
            _l("Respond"),
            note_required=True,
        ),
        Transition(
            "forward",
            AWAITING_PARTY,
            Status.FORWARDED,
            Side.PARTY,
            _l("Forward to another party"),
            note_required=True,
        ),
        Transition(
            "close",
            AWAITING_PARTY,
            Status.CLOSED,
            Side.PARTY,
            _l("Close without answer"),
            note_required=True,
        ),
        Transition(
            "accept",
            frozenset({Status.ANSWERED}),
            Status.ACCEPTED,
            Side.DSV,
            _l("Accept the answer"),
        ),
        Transition(
            "reopen",
            frozenset({Status.ANSWERED}),
            Status.REOPENED,
            Side.DSV,
            _l("Reopen"),
            note_required=True,
        ),
        Transition(
            "resubmit",
            frozenset({Status.WITHDRAWN, Status.CLOSED}),
            Status.SUBMITTED,
            Side.DSV,
            _l("Escalate again"),
            note_required=True,
        ),
        Transition("withdraw", AWAITING_PARTY, Status.WITHDRAWN, Side.DSV, _l("Withdraw")),
    )
}

STATUS_LABELS = {
    Status.SUBMITTED: _l("submitted"),
    Status.ACKNOWLEDGED: _l("acknowledged"),
    Status.ANSWERED: _l("answered"),
    Status.REOPENED: _l("reopened"),
    Status.ACCEPTED: _l("accepted"),
    Status.FORWARDED: _l("forwarded"),
    Status.WITHDRAWN: _l("withdrawn"),
    Status.CLOSED: _l("closed without answer"),
}


def transition_for(action: str) -> Transition | None:
    """The transition named `action`, or None when there is no such action."""
    return TRANSITIONS.get(action)


def actions_from(status: str) -> list[Transition]:
    """Every transition allowed from `status`, in table order."""
    return [t for t in TRANSITIONS.values() if status in t.sources]

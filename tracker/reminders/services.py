"""The reminder sweep: indexed queries find what is due, the ledger makes each reminder unique.

Stages (DEVELOPERS' design card, issue 4):
- not acknowledged by its deadline -> the party's liaisons
- answer due within 3 working days -> the liaisons
- answer overdue -> the liaisons
- very overdue (twice the period) -> the liaisons and the party's table contact (always sent)
- answered but not accepted or reopened after 10 working days -> the bottleneck's owner
- bottleneck without any update for 30 days -> its owner
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.orm import selectinload

from tracker.auth.models import User, party_members
from tracker.bottlenecks.models import Bottleneck, BottleneckStatus
from tracker.core.timeutil import add_working_days, overdue_threshold, utcnow
from tracker.core.urls import external_url
from tracker.directory.models import Party
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import AWAITING_PARTY, Status
from tracker.extensions import db
from tracker.notifications.models import LedgerEntry
from tracker.notifications.rendering import ref
from tracker.notifications.services import Once, Pending, send_once

DUE_SOON_WORKING_DAYS = 3
UNCONFIRMED_WORKING_DAYS = 10
IDLE_DAYS = 30


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M")


def _due(stage: str, deadline, due, table_contact: bool) -> list:
    """(id, bottleneck_id, party_id, deadline, confidential) of escalations someone awaits.

    Plain rows, no entities: the e-mails themselves are rendered later, from ids.
    """
    return db.session.execute(
        select(
            Escalation.id,
            Escalation.bottleneck_id,
            Escalation.party_id,
            deadline.label("deadline"),
            Bottleneck.is_confidential,
        )
        .join(Escalation.bottleneck)
        .where(due, _someone_to_remind(stage, deadline, table_contact))
        .order_by(Escalation.id)
    ).all()


def _parties() -> dict[int, Party]:
    return {
        party.id: party
        for party in db.session.scalars(select(Party).options(selectinload(Party.liaisons)))
    }


def _stamp_sql(moment):
    """`_stamp` in SQL, so the ledger key can be matched in the database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", moment), 'YYYYMMDD"T"HH24MI')
    return func.strftime("%Y%m%dT%H%M", moment)  # SQLite keeps naive UTC


def _key(prefix: str, column):
    return literal(prefix) + cast(column, String)


def _unsent(kind: str, recipient, subject, stage):
    """No ledger entry for this key yet (the ledger's unique index answers it).

    Correlated explicitly: it may sit two levels below the query that names the escalation.
    """
    return ~exists().where(
        LedgerEntry.kind == kind,
        LedgerEntry.recipient == recipient,
        LedgerEntry.subject == subject,
        LedgerEntry.stage == stage,
    ).correlate_except(LedgerEntry)


def _eligible_sql():
    return and_(User.active.is_(True), User.password_hash.is_not(None))


def _someone_to_remind(stage: str, deadline, table_contact: bool):
    """Some eligible liaison (or the table contact) lacks this stage's ledger entry.

    A sweep that finds nothing new therefore loads nothing: the cost follows what is due.
    """
    kind, subject = "reminder_escalation", _key("escalation:", Escalation.id)
    key_stage = literal(f"{stage}@") + _stamp_sql(deadline)
    liaison = exists().where(
        party_members.c.party_id == Escalation.party_id,
        User.id == party_members.c.user_id,
        _eligible_sql(),
        _unsent(kind, _key("user:", User.id), subject, key_stage),
    )
    if not table_contact:
        return liaison
    contact = exists().where(
        Party.id == Escalation.party_id,
        Party.table_contact_email.is_not(None),
        Party.table_contact_email != "",
        _unsent(kind, _key("party:", Party.id), subject, key_stage),
    )
    return or_(liaison, contact)


_MARK = 987654321  # stands in for the bottleneck id in a link built once per sweep


def _link(escalation: Escalation, base: str | None = None) -> str:
    """The escalation on its bottleneck's page; `base` (from `_link_base`) spares the router."""
    if base is None:
        return external_url(
            "bottlenecks.detail",
            bottleneck_id=escalation.bottleneck_id,
            _anchor=f"escalation-{escalation.id}",
        )
    return base.replace(str(_MARK), str(escalation.bottleneck_id)) + f"#escalation-{escalation.id}"


def _link_base() -> str | None:
    """The bottleneck page's URL with a marker for its id (building each costs ~0.2 ms)."""
    base = external_url("bottlenecks.detail", bottleneck_id=_MARK)
    return base if base.count(str(_MARK)) == 1 else None


def _eligible(user) -> bool:
    """Active, signed up (an open invitation is no mailbox to remind yet)."""
    return user.active and user.has_accepted_invite


def _remind_liaisons(
    escalations: list,
    stage: str,
    parties: dict[int, Party],
    counts: Counter,
    *,
    table_contact: bool = False,
) -> None:
    kind = "reminder_escalation"
    liaisons, contacts, base = [], [], _link_base()
    eligible = {party.id: [u for u in party.liaisons if _eligible(u)] for party in parties.values()}
    for escalation in escalations:
        party = parties[escalation.party_id]
        subject = f"escalation:{escalation.id}"
        key_stage = f"{stage}@{_stamp(escalation.deadline)}"
        context = {
            "escalation": ref(Escalation, escalation.id),
            "bottleneck": ref(Bottleneck, escalation.bottleneck_id),
            "stage": stage,
            "link": _link(escalation, base),
        }
        for liaison in eligible[party.id]:
            once = Once(kind, f"user:{liaison.id}", subject, key_stage)
            liaisons.append(Pending(once, kind, liaison, context, forced=table_contact))
        if table_contact and party.table_contact_email:
            contacts.append(
                Pending(
                    Once(kind, f"party:{party.id}", subject, key_stage),
                    kind,
                    party.table_contact_email,
                    # The table contact need not be a liaison: never name a confidential one.
                    {
                        **context,
                        "language": "nl",
                        "recipient_name": party.name,
                        "hide_title": escalation.is_confidential,
                    },
                )
            )
    counts[stage] += send_once(liaisons)
    if table_contact:
        counts[f"{stage}_table"] += send_once(contacts)


def sweep(now: datetime | None = None) -> Counter:
    """Queue every reminder that is due and not yet sent; returns how many per stage."""
    now = now or utcnow()
    counts: Counter = Counter()
    awaiting = Escalation.status.in_(AWAITING_PARTY)  # never acknowledged ones included
    soon = add_working_days(now, DUE_SOON_WORKING_DAYS)
    stages = (
        (
            "not_acknowledged",
            Escalation.acknowledge_due_at,
            and_(Escalation.status == Status.SUBMITTED, Escalation.due_at < now),
        ),
        (
            "answer_due_soon",
            Escalation.answer_due_at,
            and_(awaiting, Escalation.answer_due_at >= now, Escalation.answer_due_at <= soon),
        ),
        (
            "answer_overdue",
            Escalation.answer_due_at,
            and_(awaiting, Escalation.answer_due_at < now),
        ),
        ("very_overdue", Escalation.very_late_at, and_(awaiting, Escalation.very_late_at < now)),
    )
    for stage, deadline, due in stages:
        table_contact = stage == "very_overdue"
        escalations = _due(stage, deadline, due, table_contact)
        if escalations:  # parties and liaisons afresh: the last commit expired them
            _remind_liaisons(escalations, stage, _parties(), counts, table_contact=table_contact)
        db.session.commit()  # each stage commits on its own: one bad row cannot block the rest
    _remind_unconfirmed(now, counts)
    db.session.commit()
    _remind_idle(now, counts)
    db.session.commit()
    return counts


def _remind_unconfirmed(now: datetime, counts: Counter) -> None:
    kind = "reminder_unconfirmed"
    threshold = overdue_threshold(now, UNCONFIRMED_WORKING_DAYS)
    unsent = _unsent(
        kind,
        _key("user:", Bottleneck.owner_id),
        _key("escalation:", Escalation.id),
        literal("answered@") + _stamp_sql(Escalation.answered_at),
    )
    rows = list(
        db.session.scalars(
            select(Escalation)
            .join(Escalation.bottleneck)
            .where(Escalation.status == Status.ANSWERED, Escalation.answered_at < threshold, unsent)
            .options(selectinload(Escalation.bottleneck).selectinload(Bottleneck.owner))
            .order_by(Escalation.id)
        )
    )
    pending = []
    for escalation in rows:
        owner = escalation.bottleneck.owner
        if escalation.bottleneck.dsv_id not in owner.dsv_ids:
            continue  # the owner left the DSV; nobody to ask
        once = Once(
            kind,
            f"user:{owner.id}",
            f"escalation:{escalation.id}",
            f"answered@{_stamp(escalation.answered_at)}",
        )
        if not _eligible(owner):
            continue
        links = {
            action: external_url("escalations.act", escalation_id=escalation.id, action=action)
            for action in ("accept", "reopen")
        }
        pending.append(
            Pending(
                once,
                kind,
                owner,
                {
                    "escalation": ref(Escalation, escalation.id),
                    "bottleneck": ref(Bottleneck, escalation.bottleneck_id),
                    "link": _link(escalation),
                    "accept_link": links["accept"],
                    "reopen_link": links["reopen"],
                },
            )
        )
    counts["answer_unconfirmed"] += send_once(pending)


def _remind_idle(now: datetime, counts: Counter) -> None:
    kind = "reminder_idle"
    open_statuses = (BottleneckStatus.OPEN, BottleneckStatus.ESCALATED, BottleneckStatus.ANSWERED)
    rows = list(
        db.session.scalars(
            select(Bottleneck)
            .where(
                Bottleneck.status.in_(open_statuses),
                Bottleneck.updated_at < now - timedelta(days=IDLE_DAYS),
                _unsent(
                    kind,
                    _key("user:", Bottleneck.owner_id),
                    _key("bottleneck:", Bottleneck.id),
                    literal("idle@") + _stamp_sql(Bottleneck.updated_at),
                ),
            )
            .options(selectinload(Bottleneck.owner))
            .order_by(Bottleneck.id)
        )
    )
    pending = []
    for bottleneck in rows:
        owner = bottleneck.owner
        if bottleneck.dsv_id not in owner.dsv_ids:
            continue
        once = Once(
            kind,
            f"user:{owner.id}",
            f"bottleneck:{bottleneck.id}",
            f"idle@{_stamp(bottleneck.updated_at)}",
        )
        if not _eligible(owner):
            continue
        pending.append(
            Pending(
                once,
                kind,
                owner,
                {
                    "bottleneck": ref(Bottleneck, bottleneck.id),
                    "days": IDLE_DAYS,
                    "link": external_url("bottlenecks.detail", bottleneck_id=bottleneck.id),
                },
            )
        )
    counts["idle"] += send_once(pending)

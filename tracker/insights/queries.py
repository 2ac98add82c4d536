"""The overview's aggregates: GROUP BY in SQL, a fixed number of queries whatever the data size.

Everything derived from bottlenecks goes through `authz.visible_bottlenecks`, so a confidential
bottleneck of another DSV is never counted, charted, listed or exported.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import ColumnElement, and_, case, distinct, extract, func, not_, select

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks.models import STATUS_LABELS, Bottleneck
from tracker.directory.models import BuildingBlock, Network, Party, dsv_networks
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import AWAITING_PARTY
from tracker.extensions import db
from tracker.insights.period import Period
from tracker.roadblocks.models import STATUS_LABELS as ROAD_BLOCK_LABELS
from tracker.roadblocks.models import RoadBlock

DAY_SECONDS = 86400


@dataclass(frozen=True)
class Count:
    label: str
    value: int


@dataclass(frozen=True)
class Overview:
    bottlenecks_by_month: list[Count]
    bottlenecks_by_block: list[Count]
    bottlenecks_by_network: list[Count]
    bottlenecks_by_party: list[Count]
    bottlenecks_by_status: list[Count]
    road_blocks_by_block: list[Count]
    road_blocks_by_status: list[Count]

    @property
    def total_bottlenecks(self) -> int:
        return sum(c.value for c in self.bottlenecks_by_status)

    @property
    def total_road_blocks(self) -> int:
        return sum(c.value for c in self.road_blocks_by_status)


def _localised(name_nl: str, name_en: str) -> str:
    locale = get_locale()
    return name_en if locale is not None and locale.language == "en" else name_nl


def block_label(number: int, name_nl: str, name_en: str) -> str:
    return f"{number}. {_localised(name_nl, name_en)}"


def _in(column: ColumnElement[datetime], period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _logged(user: User, period: Period) -> ColumnElement[bool]:
    """Visible to `user`, logged in `period`, and not merged into another (counted there)."""
    return and_(
        authz.visible_bottlenecks(user),
        _in(Bottleneck.created_at, period),
        Bottleneck.merged_into_id.is_(None),
    )


def _month_index(column: ColumnElement[datetime], period: Period) -> ColumnElement[int]:
    """0 for the first month of the period, 1 for the next ... (Amsterdam month boundaries)."""
    return case(*[(column < boundary, index) for index, boundary in enumerate(period.boundaries())])


def _by_month(user: User, period: Period) -> list[Count]:
    months = (
        select(_month_index(Bottleneck.created_at, period).label("month"))
        .where(_logged(user, period))
        .subquery()
    )
    rows = dict(
        db.session.execute(select(months.c.month, func.count()).group_by(months.c.month)).all()
    )
    return [
        Count(month.strftime("%Y-%m"), rows.get(index, 0))
        for index, month in enumerate(period.months)
    ]


def _by_block(user: User, period: Period) -> list[Count]:
    query = (
        select(
            BuildingBlock.number,
            BuildingBlock.name_nl,
            BuildingBlock.name_en,
            func.count(Bottleneck.id),
        )
        .outerjoin(
            Bottleneck,
            and_(Bottleneck.building_block_id == BuildingBlock.id, _logged(user, period)),
        )
        .group_by(BuildingBlock.id)
        .order_by(BuildingBlock.number)
    )
    return [Count(block_label(n, nl, en), value) for n, nl, en, value in db.session.execute(query)]


def _by_network(user: User, period: Period) -> list[Count]:
    count = func.count(distinct(Bottleneck.id))
    query = (
        select(Network.name, count)
        .join(dsv_networks, dsv_networks.c.network_id == Network.id)
        .join(Bottleneck, Bottleneck.dsv_id == dsv_networks.c.dsv_id)
        .where(_logged(user, period))
        .group_by(Network.id, Network.name)
        .order_by(count.desc(), Network.name)
    )
    return [Count(name, value) for name, value in db.session.execute(query)]


def _by_party(user: User, period: Period) -> list[Count]:
    count = func.count(distinct(Escalation.bottleneck_id))
    query = (
        select(Party.name, count)
        .join(Escalation, Escalation.party_id == Party.id)
        .join(Bottleneck, Bottleneck.id == Escalation.bottleneck_id)
        .where(_logged(user, period))
        .group_by(Party.id, Party.name)
        .order_by(count.desc(), Party.name)
    )
    return [Count(name, value) for name, value in db.session.execute(query)]


def _by_status(user: User, period: Period) -> list[Count]:
    query = (
        select(Bottleneck.status, func.count())
        .where(_logged(user, period))
        .group_by(Bottleneck.status)
    )
    rows = dict(db.session.execute(query).all())
    return [Count(str(label), rows.get(code, 0)) for code, label in STATUS_LABELS.items()]


def _road_blocks_by_block(period: Period) -> list[Count]:
    query = (
        select(
            BuildingBlock.number,
            BuildingBlock.name_nl,
            BuildingBlock.name_en,
            func.count(RoadBlock.id),
        )
        .outerjoin(
            RoadBlock,
            and_(
                RoadBlock.building_block_id == BuildingBlock.id, _in(RoadBlock.created_at, period)
            ),
        )
        .group_by(BuildingBlock.id)
        .order_by(BuildingBlock.number)
    )
    return [Count(block_label(n, nl, en), value) for n, nl, en, value in db.session.execute(query)]


def _road_blocks_by_status(period: Period) -> list[Count]:
    query = (
        select(RoadBlock.status, func.count())
        .where(_in(RoadBlock.created_at, period))
        .group_by(RoadBlock.status)
    )
    rows = dict(db.session.execute(query).all())
    return [Count(str(label), rows.get(code, 0)) for code, label in ROAD_BLOCK_LABELS.items()]


def overview(user: User, period: Period) -> Overview:
    """Visible bottlenecks logged in the period, and road blocks created in it, counted seven
    ways; seven grouped queries. Road blocks hold only non-confidential bottlenecks, so everyone
    may count them (as on the road-block list)."""
    return Overview(
        bottlenecks_by_month=_by_month(user, period),
        bottlenecks_by_block=_by_block(user, period),
        bottlenecks_by_network=_by_network(user, period),
        bottlenecks_by_party=_by_party(user, period),
        bottlenecks_by_status=_by_status(user, period),
        road_blocks_by_block=_road_blocks_by_block(period),
        road_blocks_by_status=_road_blocks_by_status(period),
    )


@dataclass
class PartyTimes:
    """Response times of one party for the escalations submitted in a period."""

    party: str
    escalations: int = 0
    median_acknowledge_days: float | None = None
    median_answer_days: float | None = None
    on_time: int = 0
    late: int = 0  # late but not very late
    very_late: int = 0

    @property
    def other(self) -> int:
        """Still within the deadline, or ended without an answer (withdrawn, forwarded, closed)."""
        return self.escalations - self.on_time - self.late - self.very_late

    def share(self, count: int) -> float:
        return count / self.escalations if self.escalations else 0.0


class Outcome:
    """How one escalation stands against its deadlines (see `_outcome`)."""

    ON_TIME = "on_time"
    LATE = "late"
    VERY_LATE = "very_late"


def _outcome(row, now: datetime) -> str | None:
    """The Python twin of `_outcome_conditions`, for one escalation row."""
    if row.status in AWAITING_PARTY:
        if row.very_late_at is not None and row.very_late_at < now:
            return Outcome.VERY_LATE
        if row.due_at is not None and row.due_at < now:
            return Outcome.LATE
        return None
    if row.answered_at is None:
        return None  # ended without an answer: withdrawn, forwarded, closed
    if row.answered_at <= row.answer_due_at:
        return Outcome.ON_TIME
    if row.answered_at > row.answer_due_at + (row.answer_due_at - row.submitted_at):
        return Outcome.VERY_LATE
    return Outcome.LATE


def _outcome_conditions(now: datetime) -> dict[str, ColumnElement[bool]]:
    """Open escalations by their stored deadlines; answered ones by answer_due_at, very late
    after twice the answer period (wall clock). Ended without an answer: none of the three."""
    awaiting = Escalation.status.in_(AWAITING_PARTY)
    answered = and_(not_(awaiting), Escalation.answered_at.is_not(None))
    twice = Escalation.answer_due_at + (Escalation.answer_due_at - Escalation.submitted_at)
    open_very_late = and_(awaiting, Escalation.very_late_at < now)
    answered_very_late = and_(answered, Escalation.answered_at > twice)
    return {
        Outcome.ON_TIME: and_(answered, Escalation.answered_at <= Escalation.answer_due_at),
        Outcome.VERY_LATE: open_very_late | answered_very_late,
        Outcome.LATE: (and_(awaiting, Escalation.due_at < now) & not_(open_very_late))
        | (
            and_(answered, Escalation.answered_at > Escalation.answer_due_at)
            & not_(answered_very_late)
        ),
    }


def _submitted(user: User, period: Period) -> ColumnElement[bool]:
    return and_(authz.visible_bottlenecks(user), _in(Escalation.submitted_at, period))


def _days(end: ColumnElement[datetime], start: ColumnElement[datetime]) -> ColumnElement[float]:
    return extract("epoch", end - start) / DAY_SECONDS


def _response_times_sql(user: User, period: Period, now: datetime) -> list[PartyTimes]:
    conditions = _outcome_conditions(now)
    query = (
        select(
            Party.name,
            func.count(Escalation.id),
            func.percentile_cont(0.5).within_group(
                _days(Escalation.acknowledged_at, Escalation.submitted_at)
            ),
            func.percentile_cont(0.5).within_group(
                _days(Escalation.answered_at, Escalation.submitted_at)
            ),
            *[func.count(Escalation.id).filter(conditions[key]) for key in _OUTCOMES],
        )
        .join(Escalation, Escalation.party_id == Party.id)
        .join(Bottleneck, Bottleneck.id == Escalation.bottleneck_id)
        .where(_submitted(user, period))
        .group_by(Party.id, Party.name)
        .order_by(Party.name)
    )
    return [
        PartyTimes(
            name,
            count,
            None if ack is None else float(ack),
            None if answer is None else float(answer),
            on_time,
            late,
            very_late,
        )
        for name, count, ack, answer, on_time, late, very_late in db.session.execute(query)
    ]


_OUTCOMES = (Outcome.ON_TIME, Outcome.LATE, Outcome.VERY_LATE)


def _response_times_python(user: User, period: Period, now: datetime) -> list[PartyTimes]:
    """For databases without percentile_cont (the embedded SQLite): one query, medians here."""
    query = (
        select(
            Party.name.label("party"),
            Escalation.status,
            Escalation.submitted_at,
            Escalation.acknowledged_at,
            Escalation.answered_at,
            Escalation.answer_due_at,
            Escalation.due_at,
            Escalation.very_late_at,
        )
        .join(Party, Party.id == Escalation.party_id)
        .join(Bottleneck, Bottleneck.id == Escalation.bottleneck_id)
        .where(_submitted(user, period))
    )
    parties: dict[str, PartyTimes] = {}
    waits: dict[str, tuple[list[float], list[float]]] = {}
    for row in db.session.execute(query):
        times = parties.setdefault(row.party, PartyTimes(row.party))
        acknowledge, answer = waits.setdefault(row.party, ([], []))
        times.escalations += 1
        if row.acknowledged_at is not None:
            acknowledge.append((row.acknowledged_at - row.submitted_at).total_seconds())
        if row.answered_at is not None:
            answer.append((row.answered_at - row.submitted_at).total_seconds())
        outcome = _outcome(row, now)
        if outcome is not None:
            setattr(times, outcome, getattr(times, outcome) + 1)
    for name, (acknowledge, answer) in waits.items():
        if acknowledge:
            parties[name].median_acknowledge_days = statistics.median(acknowledge) / DAY_SECONDS
        if answer:
            parties[name].median_answer_days = statistics.median(answer) / DAY_SECONDS
    return [parties[name] for name in sorted(parties)]


def response_times(user: User, period: Period, now: datetime) -> list[PartyTimes]:
    """Per party, over visible escalations submitted in the period: count, median wall-clock
    days to acknowledge and to answer, and how many were answered on time, late or very late
    (open ones past their deadline count as late). One query."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _response_times_sql(user, period, now)
    return _response_times_python(user, period, now)

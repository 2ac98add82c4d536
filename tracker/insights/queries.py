"""The overview's aggregates: GROUP BY in SQL, a fixed number of queries whatever the data size.

Everything derived from bottlenecks is limited by the viewer's `authz.BottleneckScope` (the
condition of `authz.visible_bottlenecks`), so a confidential bottleneck of another DSV is never
counted, charted, listed or exported. The functions take the scope, not the user: their results
depend on nothing else about the viewer, which is what lets `tracker.insights.cache` share them.
Portable SQL (PostgreSQL and the embedded SQLite); only the medians differ per dialect.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import (
    ColumnElement,
    Integer,
    Result,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    null,
    select,
    union_all,
)

from tracker.authz import BottleneckScope
from tracker.bottlenecks.models import STATUS_LABELS, Bottleneck
from tracker.core.timeutil import utcnow
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


def _month_index(column: ColumnElement[datetime], period: Period) -> ColumnElement[int]:
    """0 for the first month of the period, 1 for the next ... (Amsterdam month boundaries)."""
    return case(*[(column < boundary, index) for index, boundary in enumerate(period.boundaries())])


def _bottleneck_counts(scope: BottleneckScope, period: Period) -> Result:
    """One statement, one pass over the bottlenecks: those visible in `scope`, logged in the
    period and not merged into another (counted there) become a CTE of five narrow columns,
    counted per (month, building block, status), per network and per party."""
    seen = (
        select(
            Bottleneck.id,
            Bottleneck.dsv_id,
            Bottleneck.building_block_id,
            Bottleneck.status,
            _month_index(Bottleneck.created_at, period).label("month"),
        )
        .where(
            scope.clause(),
            _in(Bottleneck.created_at, period),
            Bottleneck.merged_into_id.is_(None),
        )
        .cte("seen")
    )
    per_dsv = select(seen.c.dsv_id, func.count().label("n")).group_by(seen.c.dsv_id).subquery()
    # A bottleneck has at most one escalation per party (a unique constraint).
    per_party = (
        select(Escalation.party_id, func.count().label("n"))
        .join(seen, seen.c.id == Escalation.bottleneck_id)
        .group_by(Escalation.party_id)
        .subquery()
    )
    return db.session.execute(
        union_all(
            select(
                literal("cube"), seen.c.month, seen.c.building_block_id, seen.c.status, func.count()
            ).group_by(seen.c.month, seen.c.building_block_id, seen.c.status),
            # A DSV's bottlenecks count in each of its networks (one dsv_networks row each).
            select(
                literal("network"),
                Network.id,
                null(),
                Network.name,
                cast(func.sum(per_dsv.c.n), Integer),
            )
            .join(dsv_networks, dsv_networks.c.network_id == Network.id)
            .join(per_dsv, per_dsv.c.dsv_id == dsv_networks.c.dsv_id)
            .group_by(Network.id, Network.name),
            select(literal("party"), Party.id, null(), Party.name, per_party.c.n).join(
                per_party, per_party.c.party_id == Party.id
            ),
        )
    )


def _road_blocks(period: Period) -> Result:
    """Every building block (in order, with its names) and the road blocks on it created in
    the period, per status (None: there are none)."""
    return db.session.execute(
        select(
            BuildingBlock.id,
            BuildingBlock.number,
            BuildingBlock.name_nl,
            BuildingBlock.name_en,
            RoadBlock.status,
            func.count(RoadBlock.id),
        )
        .outerjoin(
            RoadBlock,
            and_(
                RoadBlock.building_block_id == BuildingBlock.id, _in(RoadBlock.created_at, period)
            ),
        )
        .group_by(
            BuildingBlock.id,
            BuildingBlock.number,
            BuildingBlock.name_nl,
            BuildingBlock.name_en,
            RoadBlock.status,
        )
        .order_by(BuildingBlock.number)
    )


def _ranked(counts: list[Count]) -> list[Count]:
    return sorted(counts, key=lambda count: (-count.value, count.label))


def overview(scope: BottleneckScope, period: Period) -> Overview:
    """Bottlenecks visible in `scope` logged in the period (a merged duplicate counts once,
    through the bottleneck it went into) and road blocks created in it, counted seven ways;
    two statements. Road blocks hold only non-confidential bottlenecks, so everyone may count
    them (as on the road-block list)."""
    months: Counter[int] = Counter()
    blocks: Counter[int] = Counter()
    statuses: Counter[str] = Counter()
    networks: list[Count] = []
    parties: list[Count] = []
    for kind, key, block_id, text, value in _bottleneck_counts(scope, period):
        if kind == "cube":
            months[key] += value
            blocks[block_id] += value
            statuses[text] += value
        elif kind == "network":
            networks.append(Count(text, value))
        else:
            parties.append(Count(text, value))

    labels: dict[int, str] = {}
    road_blocks_by_block: Counter[int] = Counter()
    road_blocks_by_status: Counter[str] = Counter()
    for block_id, number, name_nl, name_en, status, value in _road_blocks(period):
        labels[block_id] = block_label(number, name_nl, name_en)
        road_blocks_by_block[block_id] += value
        if status is not None:
            road_blocks_by_status[status] += value

    return Overview(
        bottlenecks_by_month=[
            Count(month.strftime("%Y-%m"), months[index])
            for index, month in enumerate(period.months)
        ],
        bottlenecks_by_block=[Count(label, blocks[id_]) for id_, label in labels.items()],
        bottlenecks_by_network=_ranked(networks),
        bottlenecks_by_party=_ranked(parties),
        bottlenecks_by_status=[
            Count(str(label), statuses[code]) for code, label in STATUS_LABELS.items()
        ],
        road_blocks_by_block=[
            Count(label, road_blocks_by_block[id_]) for id_, label in labels.items()
        ],
        road_blocks_by_status=[
            Count(str(label), road_blocks_by_status[code])
            for code, label in ROAD_BLOCK_LABELS.items()
        ],
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


def _submitted(scope: BottleneckScope, period: Period) -> ColumnElement[bool]:
    return and_(scope.clause(), _in(Escalation.submitted_at, period))


def _days(end: ColumnElement[datetime], start: ColumnElement[datetime]) -> ColumnElement[float]:
    # date_part is double precision; extract() is numeric since PostgreSQL 14, and slower.
    return func.date_part("epoch", end - start) / DAY_SECONDS


def _response_times_sql(scope: BottleneckScope, period: Period, now: datetime) -> list[PartyTimes]:
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
        .where(_submitted(scope, period))
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


def _response_times_python(
    scope: BottleneckScope, period: Period, now: datetime
) -> list[PartyTimes]:
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
        .where(_submitted(scope, period))
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


def response_times(scope: BottleneckScope, period: Period, now: datetime) -> list[PartyTimes]:
    """Per party, over escalations of bottlenecks visible in `scope` submitted in the period:
    count, median wall-clock days to acknowledge and to answer, and how many were answered on
    time, late or very late (open ones past their deadline count as late). One query."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _response_times_sql(scope, period, now)
    return _response_times_python(scope, period, now)


def response_times_now(scope: BottleneckScope, period: Period) -> list[PartyTimes]:
    """`response_times` as of this moment."""
    return response_times(scope, period, utcnow())

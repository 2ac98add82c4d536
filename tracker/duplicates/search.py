"""Similar bottlenecks and road blocks for what a coordinator is about to file.

PostgreSQL ranks with Dutch full-text search (stemming: "wachtlijsten" finds "wachtlijst") plus
trigram similarity on titles (typos, compound words); both use GIN indexes made in the
co-signing migration. The embedded SQLite database gets a simpler fallback: words of three
letters or more, matched with LIKE and scored by how many match. Both honour visibility, so a
confidential bottleneck of another DSV is never suggested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, case, func, literal_column, or_, select
from sqlalchemy.orm import joinedload

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.extensions import db
from tracker.roadblocks.models import RoadBlock, RoadBlockStatus

LIMIT = 5
MAX_WORDS = 12
MIN_QUERY = 4  # characters: shorter input gives noise, not suggestions

#: Words that match everything in Dutch bottleneck texts; left out of the SQLite fallback
#: (PostgreSQL's 'dutch' configuration has its own stop-word list).
STOP_WORDS = frozenset(
    "aan als bij dat de deze die dit door een geen heeft hebben het hoe hun kan kunnen maar "  # noqa: SIM905
    "meer met moet naar niet nog ons onze ook over tot uit van voor waar wat wel wordt worden "
    "zijn and are for from has have not that the this with".split()
)


@dataclass
class Suggestions:
    bottlenecks: list[Bottleneck] = field(default_factory=list)
    road_blocks: list[RoadBlock] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.bottlenecks or self.road_blocks)


def words(text: str) -> list[str]:
    """The distinct search words of a text: letters and digits only, so never an operator."""
    seen: dict[str, None] = {}
    for word in re.findall(r"\w{3,}", text.lower()):
        if word not in STOP_WORDS and not word.isdigit():
            seen.setdefault(word[:40])
    return list(seen)[:MAX_WORDS]


def _postgres_rank(model, title: str, terms: list[str]) -> tuple[ColumnElement, ColumnElement]:
    query = func.to_tsquery(literal_column("'dutch'"), " | ".join(terms))
    # The stored generated column the migration adds (not mapped: PostgreSQL only).
    vector = literal_column(f"{model.__tablename__}.search_vector")
    # `%` is pg_trgm's similarity operator (default threshold 0.3), served by the trigram index.
    matches = or_(vector.op("@@")(query), model.title.op("%")(title))
    score = func.ts_rank(vector, query) + func.similarity(model.title, title)
    return matches, score


def _root(word: str) -> str:
    """A crude Dutch plural strip for the fallback: wachtlijsten -> wachtlijst, plannen -> plann."""
    if len(word) > 5 and word.endswith("en"):
        return word[:-2]
    if len(word) > 4 and word.endswith("s"):
        return word[:-1]
    return word


def _sqlite_rank(model, terms: list[str]) -> tuple[ColumnElement, ColumnElement]:
    title, description = func.lower(model.title), func.lower(model.description)
    hits = []
    for term in terms:
        pattern = f"%{_root(term)}%"
        hits.append(case((title.like(pattern), 2), else_=0))
        hits.append(case((description.like(pattern), 1), else_=0))
    score = sum(hits[1:], hits[0])
    return score > 0, score


def _ranked(model, statement: Select, title: str, terms: list[str]) -> Select:
    if db.session.get_bind().dialect.name != "postgresql":
        matches, score = _sqlite_rank(model, terms)
        return statement.where(matches).order_by(score.desc(), model.id.desc()).limit(LIMIT)
    matches, score = _postgres_rank(model, title, terms)
    # Rank the rows the two GIN indexes match, with the statement's own conditions, and keep the
    # best few (a materialized CTE: the planner cannot fold it into a scan that computes trigrams
    # for every row); only those few are then loaded as objects. One bitmap scan of the matches,
    # not a second pass over the whole table to join them back (50k: 100 -> 45 ms).
    best = (
        select(model.id, score.label("score"))
        .where(statement.whereclause, matches)
        .order_by(score.desc(), model.id.desc())
        .limit(LIMIT)
        .cte("best")
        .prefix_with("MATERIALIZED")
    )
    return statement.join(best, best.c.id == model.id).order_by(
        best.c.score.desc(), model.id.desc()
    )


def similar(
    user: User,
    title: str,
    description: str = "",
    *,
    exclude_dsv_ids: tuple[int, ...] = (),
    exclude_id: int | None = None,
) -> Suggestions:
    """Up to five bottlenecks and five road blocks like the text, visible to `user` (2 queries)."""
    terms = words(f"{title} {description}")
    if len(f"{title}{description}".strip()) < MIN_QUERY or not terms:
        return Suggestions()
    title = title.strip() or description.strip()[:200]
    bottlenecks = (
        select(Bottleneck)
        .where(authz.visible_bottlenecks(user), Bottleneck.merged_into_id.is_(None))
        .options(joinedload(Bottleneck.dsv))
    )
    if exclude_dsv_ids:
        bottlenecks = bottlenecks.where(Bottleneck.dsv_id.not_in(exclude_dsv_ids))
    if exclude_id is not None:
        bottlenecks = bottlenecks.where(Bottleneck.id != exclude_id)
    road_blocks = select(RoadBlock).where(RoadBlock.status != RoadBlockStatus.CLOSED)
    return Suggestions(
        bottlenecks=list(db.session.scalars(_ranked(Bottleneck, bottlenecks, title, terms))),
        road_blocks=list(db.session.scalars(_ranked(RoadBlock, road_blocks, title, terms))),
    )

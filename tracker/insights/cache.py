"""The overview's figures, served up to INSIGHTS_CACHE_SECONDS old (the page says how old).

The figures are aggregates a national table reads; a few minutes' delay is fine when it is
shown. What is never fine is figures computed for a wider scope than the viewer's. So the key
holds everything that changes a result: the database, the page, the viewer's `BottleneckScope`
(all that `visible_bottlenecks` depends on), the page's arguments (the period) and the locale
(labels are translated into the figures); and the computation receives the scope, never the
user, so it cannot depend on anything the key leaves out. Viewers with the same scope share an
entry.

The backend is Flask-Caching (`tracker.extensions.cache`): Redis in production, files under
instance/ in the embedded default (shared by the web workers). A cache that fails is skipped:
the figures are then computed for the request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from flask import current_app
from flask_babel import get_locale

from tracker.authz import BottleneckScope
from tracker.core.timeutil import utcnow
from tracker.extensions import cache

#: Part of every key: bump it when a cached dataclass changes shape.
VERSION = 1

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """Figures and when they were computed; `refresh_seconds` 0 means: for this request."""

    figures: T
    computed_at: datetime
    refresh_seconds: int

    @property
    def refresh_minutes(self) -> int:
        return max(1, round(self.refresh_seconds / 60))


def cache_key(page: str, scope: BottleneckScope, args: tuple[Hashable, ...]) -> str:
    """The same text in every process for the same database, page, scope, arguments and locale
    (the database too: two installations may share one Redis)."""
    database = current_app.config["SQLALCHEMY_DATABASE_URI"]
    parts = f"{VERSION}|{database}|{page}|{scope.key}|{args!r}|{get_locale()}"
    return "insights:" + hashlib.sha256(parts.encode()).hexdigest()


def cached(
    page: str, compute: Callable[..., T], scope: BottleneckScope, *args: Hashable
) -> Snapshot[T]:
    """`compute(scope, *args)`, or the result of the same call in the same locale from at most
    INSIGHTS_CACHE_SECONDS ago (0: always computed). `args` must have a stable repr."""
    seconds = current_app.config["INSIGHTS_CACHE_SECONDS"]
    if seconds <= 0:
        return Snapshot(compute(scope, *args), utcnow(), 0)
    key = cache_key(page, scope, args)
    try:
        snapshot = cache.get(key)
    except Exception:  # a dead Redis must not fail the page: compute instead
        current_app.logger.warning("insights cache unavailable; computing", exc_info=True)
        return Snapshot(compute(scope, *args), utcnow(), 0)
    if isinstance(snapshot, Snapshot):
        return snapshot
    snapshot = Snapshot(compute(scope, *args), utcnow(), seconds)
    try:
        cache.set(key, snapshot, timeout=seconds)
    except Exception:
        current_app.logger.warning("insights cache unavailable; not stored", exc_info=True)
    return snapshot

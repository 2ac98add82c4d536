"""Optimistic concurrency: stale forms and races become a 409 with a message, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.core.errors import StaleObject
from tracker.extensions import db

#: PostgreSQL's deadlock_detected and serialization_failure: the database picked this
#: transaction to give way to a concurrent one; trying again is the answer.
GIVE_WAY = frozenset({"40P01", "40001"})

P = ParamSpec("P")
R = TypeVar("R")


def check_version(obj, version: int | None) -> None:
    """Refuse a form that was opened on an older version of the object (None: no form)."""
    if version is not None and version != obj.version:
        raise StaleObject()


def conflicts_are_stale(service: Callable[P, R]) -> Callable[P, R]:
    """Turn a lost race (version bump or unique key taken meanwhile, or the database breaking a
    deadlock) into StaleObject (409), with the transaction rolled back."""

    @wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except (StaleDataError, IntegrityError) as error:
            db.session.rollback()
            raise StaleObject() from error
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) not in GIVE_WAY:
                raise
            db.session.rollback()
            raise StaleObject() from error

    return wrapper

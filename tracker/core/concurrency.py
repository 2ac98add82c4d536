"""Optimistic concurrency: stale forms and races become a 409 with a message, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.core.errors import StaleObject
from tracker.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


def check_version(obj, version: int | None) -> None:
    """Refuse a form that was opened on an older version of the object (None: no form)."""
    if version is not None and version != obj.version:
        raise StaleObject()


def conflicts_are_stale(service: Callable[P, R]) -> Callable[P, R]:
    """Turn a lost race (version bump or unique key taken meanwhile) into StaleObject (409)."""

    @wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except (StaleDataError, IntegrityError) as error:
            db.session.rollback()
            raise StaleObject() from error

    return wrapper

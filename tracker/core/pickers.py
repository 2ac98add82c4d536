"""Search-as-you-type pickers: a page lists only the few candidates that match what was typed.

A page with a picker (add bottlenecks to a road block, put something on an event's agenda) shows
a search box instead of hundreds of options; the search reloads the page with the matches (no
JavaScript needed) and static/js/picker.js fetches the same matches while typing.
"""

from __future__ import annotations

from flask import request
from sqlalchemy import ColumnElement, Select, or_

#: How many matches a picker shows; more means the search should be narrower.
LIMIT = 20
MAX_LENGTH = 100


def search_term(value: str | None = None) -> str:
    """The search text of a picker (the ?q= argument unless given), trimmed and bounded."""
    value = request.args.get("q", "") if value is None else value
    return " ".join(value.split())[:MAX_LENGTH]


def narrowed(query: Select, model, term: str) -> Select:
    """The query's first few rows whose title or number matches the term, most recently
    changed first (the model has `id`, `title` and `updated_at`).

    Not by title: matches of a common word can all sort late, and the planner then walks the
    whole title index; by date they are spread out, and rare words use the trigram index.
    """
    return (
        query.where(matches(model.title, model.id, term))
        .order_by(None)
        .order_by(model.updated_at.desc(), model.id.desc())
        .limit(LIMIT)
    )


def matches(title: ColumnElement, ident: ColumnElement, term: str) -> ColumnElement:
    """Rows whose title contains the term (any case), or whose number it is (`12` or `#12`)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    condition = title.ilike(f"%{escaped}%", escape="\\")
    number = term.removeprefix("#")
    if number.isdigit() and len(number) < 10:
        condition = or_(condition, ident == int(number))
    return condition

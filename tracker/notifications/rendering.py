"""Rendering e-mails: at once for a single change, or later for rows a sweep queued in bulk.

A sweep queues thousands of reminders; rendering each (~1 ms) would dominate it. It stores the
kind and a small JSON context instead, where each object is a reference (table and id), and the
dispatcher renders those rows just before sending: the same templates, the same context, the
language stored on the row, so the e-mail is exactly what an eager render would have made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from tracker.extensions import db

REF = "$ref"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, language: str, **context) -> Rendered:
    """Render templates/email/<kind>.txt and .html in `language`; the subject is in the txt."""
    env = current_app.jinja_env
    context = {"language": language, **context}
    with force_locale(language):
        text_module = env.get_template(f"email/{kind}.txt").make_module(context)
        html = env.get_template(f"email/{kind}.html").render(context)
    subject = " ".join(str(text_module.subject).split())
    return Rendered(subject=subject, text=str(text_module).strip() + "\n", html=html)


@dataclass(frozen=True)
class Ref:
    """An object by table and id, for a context built without loading the object itself."""

    table: str
    id: int


def ref(model: type, object_id: int) -> Ref:
    return Ref(model.__tablename__, object_id)


def freeze(context: dict) -> dict:
    """The context as JSON: objects become {"$ref": [table, id]}; raises on anything else."""
    frozen = {}
    for name, value in context.items():
        if isinstance(value, Ref):
            frozen[name] = {REF: [value.table, value.id]}
        elif isinstance(value, db.Model):
            frozen[name] = {REF: [value.__tablename__, value.id]}
        elif value is None or isinstance(value, str | int | float | bool):
            frozen[name] = value
        else:
            raise TypeError(f"cannot defer rendering with {name}={type(value).__name__}")
    return frozen


class Missing(Exception):
    """An object the e-mail is about no longer exists."""


def _models() -> dict[str, type]:
    return {
        mapper.class_.__tablename__: mapper.class_
        for mapper in db.Model.registry.mappers
        if hasattr(mapper.class_, "__tablename__")
    }


def _load(contexts: list[dict]) -> dict[tuple[str, int], object]:
    """Every referenced object, one query per table."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for context in contexts:
        for value in context.values():
            if isinstance(value, dict) and REF in value:
                table, object_id = value[REF]
                wanted[table].add(object_id)
    models, loaded = _models(), {}
    for table, ids in wanted.items():
        model = models[table]
        for obj in db.session.scalars(select(model).where(model.id.in_(ids))):
            loaded[(table, obj.id)] = obj
    return loaded


def _thaw(context: dict, loaded: dict) -> dict:
    thawed = {}
    for name, value in context.items():
        if isinstance(value, dict) and REF in value:
            key = tuple(value[REF])
            if key not in loaded:
                raise Missing(f"{key[0]} {key[1]} no longer exists")
            thawed[name] = loaded[key]
        else:
            thawed[name] = value
    return thawed


def resolve(context: dict) -> dict:
    """The context with its references loaded, for rendering it right away."""
    loaded = _load([freeze(context)])
    return _thaw(freeze(context), loaded)


def render_pending(messages: list) -> dict[int, str]:
    """Render the deferred ones among these outbox messages in place; returns id -> error.

    A rendered message drops its context, so it is rendered once even if retried.
    """
    from tracker.auth.models import User

    deferred = [m for m in messages if m.context is not None]
    if not deferred:
        return {}
    loaded = _load([m.context for m in deferred])
    user_ids = {m.recipient_id for m in deferred if m.recipient_id is not None}
    users = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    errors = {}
    for message in deferred:
        recipient = users.get(message.recipient_id, message.recipient_email)
        try:
            rendered = render(
                message.kind,
                message.language,
                recipient=recipient,
                **_thaw(message.context, loaded),
            )
        except Missing as error:
            errors[message.id] = str(error)
            continue
        message.subject = rendered.subject[:255]
        message.body_text, message.body_html = rendered.text, rendered.html
        message.context = None
    return errors

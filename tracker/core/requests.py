"""Requests whose text is safe to store: no NUL or other control characters, no lone surrogates.

PostgreSQL refuses NUL bytes in text ("cannot contain NUL"), and a lone surrogate cannot be
encoded as UTF-8; either would turn a typed value into a server error. They never carry meaning
in a form or JSON field, so they are dropped on the way in (tab, newline and return stay).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\ud800-\udfff]")


def clean(value: Any) -> Any:
    """The value with unsafe characters removed from every string in it (recursively)."""
    if isinstance(value, str):
        return _UNSAFE.sub("", value)
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {clean(key): clean(item) for key, item in value.items()}
    return value


class CleanMultiDict(ImmutableMultiDict):
    """Query-string and form values, cleaned as werkzeug builds them."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        pairs = mapping.items(multi=True) if hasattr(mapping, "items") else mapping
        super().__init__([(clean(key), clean(value)) for key, value in pairs])


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict

    def get_json(self, *args, **kwargs) -> Any:
        return clean(super().get_json(*args, **kwargs))

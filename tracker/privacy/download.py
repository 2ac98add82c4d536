"""A person's data as a JSON download."""

from __future__ import annotations

import json

from flask import Response


def json_download(data: dict, filename: str) -> Response:
    """A JSON attachment; personal data, so never cached."""
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f"attachment; filename={filename}",
            "Cache-Control": "no-store",
        },
    )

"""CSV downloads in the shape Dutch Excel opens without a wizard: semicolons, UTF-8 with a BOM.

Cells that start like a formula are prefixed with an apostrophe, so a title such as
"=HYPERLINK(...)" is shown as text and never evaluated.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """A cell value Excel shows as text: strings that start like a formula get an apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return "'" + value
    return value


def line(values: Sequence[Any]) -> str:
    """One CSV line with semicolons and CRLF, every text cell made safe."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow([safe(v) for v in values])
    return buffer.getvalue()


def lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The BOM and header, then one line per row."""
    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A download of `rows` under `filename`; the caller decides which rows (visibility)."""
    return Response(
        "".join(lines(header, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )

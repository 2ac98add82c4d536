"""Load the registry (DSVs, their networks and contact persons) from one CSV layout.

`check(data)` parses and validates every row against the database and says per row what would
change; `apply(actor, data)` does the same and then writes everything in one transaction, or
nothing when any row has an error. Re-running the same file changes nothing. The export in
`registry_export` writes the same layout, so export -> import round-trips without changes.

Contact persons become DSV members with an account but no password; no invitation is sent
(an admin invites them from the people page when the time comes).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import authz
from tracker.auth.models import User
from tracker.core.csv import FORMULA_START
from tracker.core.errors import InvalidInput
from tracker.directory.models import Dsv, Network, Phase
from tracker.directory.services import slugify
from tracker.extensions import db
from tracker.timeline.services import record

COLUMNS = (
    "dsv_name",
    "slug",
    "region",
    "municipalities",
    "phase",
    "networks",
    "contact_name",
    "contact_email",
    "contact_language",
)
LIMITS = {
    "dsv_name": 160,
    "slug": 80,
    "region": 160,
    "municipalities": 4000,
    "contact_name": 120,
    "contact_email": 254,
}
LANGUAGES = ("nl", "en")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DSV_FIELDS = ("name", "region", "municipalities", "phase", "networks")
FIELD_NAMES = {
    "name": _l("name"),
    "region": _l("region"),
    "municipalities": _l("municipalities"),
    "phase": _l("phase"),
    "networks": _l("networks"),
}

Progress = Callable[[int], None]


@dataclass
class Row:
    """One data line of the file: its values, what it would change, and what is wrong with it."""

    line: int
    values: dict[str, str]
    status: str = "unchanged"  # new | changed | unchanged | error
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.values["slug"]

    @property
    def name(self) -> str:
        return self.values["dsv_name"]


@dataclass
class Report:
    """The outcome per row and in total; `applied` is True once the rows are written."""

    rows: list[Row]
    digest: str
    applied: bool = False

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("new", "changed", "unchanged", "error")}


def decode(data: bytes) -> str:
    """The file's text: UTF-8 with or without a BOM; anything else is refused with a message."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            _(
                "The file is not UTF-8 text. In Excel choose “Save as” > “CSV UTF-8 "
                "(comma delimited)” and upload again."
            )
        ) from error


def _unsafe(value: str) -> str:
    """Undo the export's formula guard: "'=x" was written for "=x"."""
    value = value.strip()
    if value[:2] and value[0] == "'" and value[1:2] in FORMULA_START:
        return value[1:]
    return value


def parse(text: str) -> list[Row]:
    """Rows of the file (delimiter `;` or `,` detected from the header), or InvalidInput."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        raise InvalidInput(_("The file is empty.")) from None
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise InvalidInput(
            _("The file lacks the columns: %(columns)s.", columns=", ".join(missing))
        )
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        values = {column: _unsafe(cells[header.index(column)]) for column in COLUMNS}
        rows.append(Row(reader.line_num, values))
    return rows


def _check_values(row: Row, networks: dict[str, Network]) -> None:
    values = row.values
    if not values["dsv_name"]:
        row.errors.append(_("The DSV name is missing."))
    if not values["slug"] and values["dsv_name"]:
        values["slug"] = slugify(values["dsv_name"])
    if values["slug"] and not SLUG_RE.match(values["slug"]):
        row.errors.append(_("The slug may hold only a-z, 0-9 and hyphens."))
    for column, limit in LIMITS.items():
        if len(values[column]) > limit:
            row.errors.append(
                _("%(column)s is longer than %(n)d characters.", column=column, n=limit)
            )
    if values["phase"] and values["phase"] not in set(Phase):
        row.errors.append(_("Unknown phase “%(phase)s”.", phase=values["phase"]))
    slugs = sorted({s.strip() for s in values["networks"].split(",") if s.strip()})
    for slug in slugs:
        if slug in networks:
            row.networks.append(networks[slug])
        else:
            row.errors.append(_("Unknown network “%(slug)s”.", slug=slug))
    email, language = values["contact_email"], values["contact_language"] or "nl"
    values["contact_language"] = language
    if email:
        try:
            values["contact_email"] = validate_email(
                email, check_deliverability=False
            ).normalized.lower()
        except EmailNotValidError:
            row.errors.append(_("The e-mail address “%(email)s” is not valid.", email=email))
        if not values["contact_name"]:
            row.errors.append(_("The contact person's name is missing."))
    elif values["contact_name"]:
        row.errors.append(_("The contact person's e-mail address is missing."))
    if language not in LANGUAGES:
        row.errors.append(_("The language must be nl or en."))


def _dsv_state(dsv: Dsv) -> dict[str, object]:
    return {
        "name": dsv.name,
        "region": dsv.region,
        "municipalities": dsv.municipalities,
        "phase": dsv.phase or "",
        "networks": sorted(n.slug for n in dsv.networks),
    }


def _row_state(row: Row) -> dict[str, object]:
    values = row.values
    return {
        "name": values["dsv_name"],
        "region": values["region"],
        "municipalities": values["municipalities"],
        "phase": values["phase"],
        "networks": sorted(n.slug for n in row.networks),
    }


@dataclass
class _Lookup:
    dsvs: dict[str, Dsv]
    names: dict[str, str]  # lower-cased name -> slug, for the unique name
    networks: dict[str, Network]
    users: dict[str, User]


def _lookup() -> _Lookup:
    dsvs = {
        d.slug: d
        for d in db.session.scalars(
            select(Dsv).options(selectinload(Dsv.networks), selectinload(Dsv.members))
        )
    }
    users = {u.email: u for u in db.session.scalars(select(User).options(selectinload(User.dsvs)))}
    return _Lookup(
        dsvs,
        {d.name.lower(): slug for slug, d in dsvs.items()},
        {n.slug: n for n in db.session.scalars(select(Network))},
        users,
    )


def _validate(text: str, lookup: _Lookup, progress: Progress | None) -> list[Row]:
    rows = parse(text)
    seen_slugs: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for row in rows:
        _check_values(row, lookup.networks)
        slug, name = row.slug, row.name.lower()
        if slug and slug in seen_slugs:
            row.errors.append(
                _(
                    "The DSV “%(slug)s” is already in line %(line)d.",
                    slug=slug,
                    line=seen_slugs[slug],
                )
            )
        elif name and name in seen_names:
            row.errors.append(_("The name is already in line %(line)d.", line=seen_names[name]))
        else:
            seen_slugs.setdefault(slug, row.line)
            seen_names.setdefault(name, row.line)
        owner = lookup.names.get(name)
        if name and owner is not None and owner != slug:
            row.errors.append(_("The name “%(name)s” is already in use.", name=row.name))
        if not row.errors:
            _compare(row, lookup)
        else:
            row.status = "error"
        if progress is not None:
            progress(1)
    return rows


def _compare(row: Row, lookup: _Lookup) -> None:
    dsv = lookup.dsvs.get(row.slug)
    wanted = _row_state(row)
    if dsv is None:
        row.status = "new"
        row.changes.append(_("new DSV"))
    else:
        current = _dsv_state(dsv)
        row.changes.extend(str(FIELD_NAMES[f]) for f in DSV_FIELDS if current[f] != wanted[f])
        row.status = "changed" if row.changes else "unchanged"
    email = row.values["contact_email"]
    if email:
        user = lookup.users.get(email)
        if user is None:
            row.changes.append(_("new contact %(email)s", email=email))
        elif dsv is None or dsv not in user.dsvs:
            row.changes.append(_("%(email)s becomes a member", email=email))
        if user is None or dsv is None or dsv not in user.dsvs:
            row.status = "new" if row.status == "new" else "changed"


def check(data: bytes, progress: Progress | None = None) -> Report:
    """A dry run: every row validated and compared with the registry; nothing is written."""
    rows = _validate(decode(data), _lookup(), progress)
    return Report(rows, hashlib.sha256(data).hexdigest())


def apply(actor: User | None, data: bytes, progress: Progress | None = None) -> Report:
    """Validate, then write every row in one transaction; with any error nothing is written.

    `actor` None is the operator at the command line. Each change is on the DSV's timeline.
    """
    if actor is not None:
        authz.require(actor, "registry.manage")
    lookup = _lookup()
    rows = _validate(decode(data), lookup, progress)
    report = Report(rows, hashlib.sha256(data).hexdigest())
    if not report.ok:
        return report
    for row in rows:
        if row.status != "unchanged":
            _write(actor, row, lookup)
    db.session.commit()
    report.applied = True
    return report


def _write(actor: User | None, row: Row, lookup: _Lookup) -> None:
    values, wanted = row.values, _row_state(row)
    dsv = lookup.dsvs.get(row.slug)
    if dsv is None:
        dsv = Dsv(
            name=values["dsv_name"],
            slug=row.slug,
            region=values["region"],
            municipalities=values["municipalities"],
            phase=values["phase"] or None,
            networks=row.networks,
        )
        db.session.add(dsv)
        db.session.flush()
        record("dsv", dsv.id, "created", actor, new=dsv.name)
        lookup.dsvs[row.slug] = dsv
    else:
        current = _dsv_state(dsv)
        for name in DSV_FIELDS:
            if current[name] != wanted[name]:
                record(
                    "dsv", dsv.id, "changed", actor, field=name, old=current[name], new=wanted[name]
                )
        dsv.name, dsv.region = values["dsv_name"], values["region"]
        dsv.municipalities, dsv.phase = values["municipalities"], values["phase"] or None
        if current["networks"] != wanted["networks"]:
            dsv.networks = row.networks
    if values["contact_email"]:
        _contact(actor, row, dsv, lookup)


def _contact(actor: User | None, row: Row, dsv: Dsv, lookup: _Lookup) -> None:
    """The contact person as a DSV member: an account without password, never e-mailed here."""
    email = row.values["contact_email"]
    user = lookup.users.get(email)
    if user is None:
        user = User(
            name=row.values["contact_name"],
            email=email,
            language=row.values["contact_language"],
            dsvs=[],
        )
        db.session.add(user)
        db.session.flush()
        record("user", user.id, "imported", actor, new=email)
        lookup.users[email] = user
    if dsv not in user.dsvs:
        old = sorted(d.slug for d in user.dsvs)
        user.dsvs.append(dsv)
        record(
            "user", user.id, "changed", actor, field="dsvs", old=old, new=sorted([*old, dsv.slug])
        )


def export_rows(dsvs: Iterable[Dsv]) -> list[list[str]]:
    """The import layout: one line per DSV, its longest-standing member as the contact."""
    rows = []
    for dsv in dsvs:
        contact = min(dsv.members, key=lambda u: u.id) if dsv.members else None
        rows.append(
            [
                dsv.name,
                dsv.slug,
                dsv.region,
                dsv.municipalities,
                dsv.phase or "",
                ",".join(sorted(n.slug for n in dsv.networks)),
                contact.name if contact else "",
                contact.email if contact else "",
                contact.language if contact else "",
            ]
        )
    return rows


def export_all() -> tuple[tuple[str, ...], list[list[str]]]:
    """Header and rows of every DSV, ordered by name."""
    query = (
        select(Dsv)
        .options(selectinload(Dsv.networks), selectinload(Dsv.members))
        .order_by(Dsv.name)
    )
    return COLUMNS, export_rows(db.session.scalars(query))

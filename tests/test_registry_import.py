"""Registry import/export: dry-run report per row, one transaction, idempotent, round-trips."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests import builders
from tests.test_registry import signed_in, text
from tracker.auth.models import User
from tracker.core.csv import lines
from tracker.core.errors import InvalidInput
from tracker.directory import registry_import
from tracker.directory.models import Dsv
from tracker.extensions import db
from tracker.timeline.models import TimelineEvent

HEADER = registry_import.COLUMNS


@pytest.fixture
def world(ctx) -> builders.World:
    with force_locale("en"):  # messages from services are asserted in English
        yield builders.World()


@pytest.fixture
def networks(ctx) -> list[str]:
    return [builders.network().slug, builders.network().slug]


def row(n: int, nets: list[str], **overrides: str) -> list[str]:
    values = {
        "dsv_name": f"Import DSV {n:03d}",
        "slug": f"import-dsv-{n:03d}",
        "region": f"Regio {n % 25}",
        "municipalities": f"Gemeente {n}a, Gemeente {n}b",
        "phase": ("founding", "vision", "operational", "consolidation", "")[n % 5],
        "networks": ",".join(nets[: n % 3]),
        "contact_name": f"Contact {n}",
        "contact_email": f"contact{n}@dsv{n}.example",
        "contact_language": "nl" if n % 2 else "en",
    }
    values.update(overrides)
    return [values[column] for column in HEADER]


def csv_bytes(rows: list[list[str]], *, delimiter: str = ";", bom: bool = True) -> bytes:
    if delimiter == ";":
        body = "".join(lines(HEADER, rows))
        return (body if bom else body.removeprefix("\ufeff")).encode()
    buffer = io.StringIO()
    import csv

    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def timeline_count() -> int:
    return db.session.scalar(select(func.count()).select_from(TimelineEvent))


def dsv_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Dsv))


BROKEN = {
    # file line (header is line 1, so row n is on line n + 2 for n from 0) -> expected message part
    17: "Unknown network",
    103: "already in line",
    211: "is not valid",
    305: "name is missing",
    406: "longer than 160",
    450: "longer than 254",
}


def five_hundred_with_errors(networks: list[str]) -> list[list[str]]:
    rows = [row(n, networks) for n in range(500)]
    rows[15] = row(15, networks, networks=f"{networks[0]},no-such-network")
    rows[101] = row(7, networks, region="another region")  # the slug of line 9 again
    rows[209] = row(209, networks, contact_email="not-an-address@")
    rows[303] = row(303, networks, dsv_name="", slug="nameless-dsv")
    rows[404] = row(404, networks, dsv_name="X" * 161)
    rows[448] = row(448, networks, contact_email=("a" * 250) + "@x.example")
    return rows


def test_500_dsv_file_reports_exactly_the_broken_rows_and_writes_nothing(ctx, world, networks):
    before = (dsv_count(), timeline_count())
    report = registry_import.apply(world.admin, csv_bytes(five_hundred_with_errors(networks)))
    assert not report.applied
    errors = {r.line: " ".join(r.errors) for r in report.errors}
    assert sorted(errors) == sorted(BROKEN)
    for line, message in BROKEN.items():
        assert message in errors[line], (line, errors[line])
    assert report.summary == {"new": 494, "changed": 0, "unchanged": 0, "error": 6}
    assert (dsv_count(), timeline_count()) == before


def test_clean_file_applies_in_one_go_and_rerun_changes_nothing(ctx, world, networks):
    data = csv_bytes([row(n, networks) for n in range(500)])
    dry = registry_import.check(data)
    assert dry.ok and dry.summary["new"] == 500 and not dry.applied
    assert db.session.scalar(select(Dsv).where(Dsv.slug == "import-dsv-001")) is None

    report = registry_import.apply(world.admin, data)
    assert report.applied and report.summary["new"] == 500
    dsv = db.session.scalar(select(Dsv).where(Dsv.slug == "import-dsv-004"))
    assert dsv.name == "Import DSV 004" and dsv.region == "Regio 4" and dsv.phase is None
    assert sorted(n.slug for n in dsv.networks) == networks[:1]
    contact = db.session.scalar(select(User).where(User.email == "contact4@dsv4.example"))
    assert contact.dsvs == [dsv] and contact.password_hash is None and contact.language == "en"

    events = timeline_count()
    again = registry_import.apply(world.admin, data)
    assert again.summary == {"new": 0, "changed": 0, "unchanged": 500, "error": 0}
    assert timeline_count() == events


def test_changed_fields_are_updated_and_each_change_is_on_the_timeline(ctx, world, networks):
    registry_import.apply(world.admin, csv_bytes([row(1, networks), row(2, networks)]))
    events = timeline_count()
    changed = row(1, networks, region="Nieuwe regio", networks=networks[1])
    report = registry_import.apply(world.admin, csv_bytes([changed, row(2, networks)]))
    assert report.summary == {"new": 0, "changed": 1, "unchanged": 1, "error": 0}
    dsv = db.session.scalar(select(Dsv).where(Dsv.slug == "import-dsv-001"))
    assert dsv.region == "Nieuwe regio" and [n.slug for n in dsv.networks] == [networks[1]]
    fields = db.session.scalars(
        select(TimelineEvent.field)
        .where(TimelineEvent.subject_type == "dsv", TimelineEvent.subject_id == dsv.id)
        .order_by(TimelineEvent.id)
    ).all()
    assert fields[-2:] == ["region", "networks"]
    assert timeline_count() == events + 2


def test_export_then_import_round_trips_with_zero_changes(ctx, world, networks):
    registry_import.apply(
        world.admin,
        csv_bytes([row(n, networks) for n in range(20)] + [row(99, networks, region="=SUM(A1)")]),
    )
    header, rows = registry_import.export_all()
    exported = "".join(lines(header, rows)).encode()
    assert "'=SUM(A1)" in exported.decode()  # formula-safe on the way out
    events = timeline_count()
    report = registry_import.apply(world.admin, exported)
    assert report.ok and report.summary["new"] == report.summary["changed"] == 0
    assert timeline_count() == events


def test_excel_semicolon_bom_and_plain_comma_files_both_parse(ctx, world, networks):
    rows = [row(1, networks, municipalities="Één; Twee")]
    for data in (csv_bytes(rows), csv_bytes(rows, delimiter=",", bom=False)):
        report = registry_import.check(data)
        assert report.ok, [r.errors for r in report.rows]
        assert report.rows[0].values["municipalities"] == "Één; Twee"
        assert report.rows[0].values["dsv_name"] == "Import DSV 001"


def test_non_utf8_file_and_missing_columns_are_refused_with_a_message(ctx, world):
    latin1 = "dsv_name;slug\nGemeente Súdwest;x\n".encode("cp1252")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        registry_import.check(latin1)
    with pytest.raises(InvalidInput, match="contact_email"):
        registry_import.check(b"dsv_name;slug;region\nA;a;b\n")


def test_contact_already_known_becomes_member_without_a_new_account(ctx, world, networks):
    person = builders.user()
    data = csv_bytes([row(1, networks, contact_email=person.email.upper())])
    registry_import.apply(world.admin, data)
    dsv = db.session.scalar(select(Dsv).where(Dsv.slug == "import-dsv-001"))
    assert dsv in person.dsvs and person.name != "Contact 1"


def test_name_of_another_existing_dsv_is_refused(ctx, world, networks):
    report = registry_import.check(csv_bytes([row(1, networks, dsv_name=world.dsv.name)]))
    assert "already in use" in report.rows[0].errors[0]


def test_cli_dry_run_then_apply_with_summary_and_exit_codes(app, ctx, world, networks, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes([row(n, networks) for n in range(5)]))
    bad.write_bytes(csv_bytes([row(1, networks, contact_email="nope")]))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["registry", "import", str(bad)])
    assert result.exit_code == 1 and "line 2" in result.output and "is not valid" in result.output

    result = runner.invoke(args=["registry", "import", str(good)])
    assert result.exit_code == 0 and "Dry run" in result.output
    assert db.session.scalar(select(Dsv).where(Dsv.slug == "import-dsv-001")) is None

    result = runner.invoke(args=["registry", "import", "--apply", str(good)])
    assert result.exit_code == 0 and "No invitations were sent" in result.output, result.output
    assert db.session.scalar(select(Dsv).where(Dsv.slug == "import-dsv-001")) is not None

    out = tmp_path / "export.csv"
    assert runner.invoke(args=["registry", "export", str(out)]).exit_code == 0
    result = runner.invoke(args=["registry", "import", str(out)])
    assert result.exit_code == 0 and "new             0" in result.output.replace("\t", " ")


# The admin page ---------------------------------------------------------------------------


def upload(client, data: bytes, filename: str = "registry.csv", mimetype: str = "text/csv"):
    return client.post(
        "/admin/import",
        data={"csrf_token": client.token(), "file": (io.BytesIO(data), filename, mimetype)},
        content_type="multipart/form-data",
    )


def test_upload_shows_dry_run_report_then_apply_writes(app, world, networks):
    client = signed_in(app, world.admin)
    data = csv_bytes([row(1, networks), row(2, networks, contact_email="bad@")])
    response = upload(client, data)
    assert response.status_code == 422
    page = text(response)
    assert 'data-line="3" data-status="error"' in page and "is not valid" in page
    assert "Apply these changes" not in page

    response = upload(client, csv_bytes([row(1, networks), row(2, networks)]))
    assert response.status_code == 200 and "Apply these changes" in text(response)
    assert db.session.scalar(select(Dsv).where(Dsv.slug == "import-dsv-001")) is None
    content = builders_field(text(response), "content")
    digest = builders_field(text(response), "digest")
    response = client.post(
        "/admin/import/apply",
        data={"csrf_token": client.token(), "content": content, "digest": digest},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Dsv).where(Dsv.slug == "import-dsv-002")) is not None

    tampered = client.post_form(
        "/admin/import/apply", {"content": content[:-8] + "AAAAAAA=", "digest": digest}
    )
    assert tampered.status_code == 422


def builders_field(page: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page) or re.search(
        rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', page
    )
    assert match, f"no hidden {name}"
    return match.group(1)


def test_upload_refuses_other_types_and_large_files(app, world, networks):
    client = signed_in(app, world.admin)
    response = upload(client, b"\x89PNG", filename="logo.png", mimetype="image/png")
    assert response.status_code == 422 and "Upload a .csv file" in text(response), text(response)
    app.config["REGISTRY_IMPORT_MAX_BYTES"] = 1000
    try:
        response = upload(client, csv_bytes([row(n, networks) for n in range(20)]))
    finally:
        app.config["REGISTRY_IMPORT_MAX_BYTES"] = 1024 * 1024
    assert response.status_code == 422 and "larger than" in text(response)
    huge = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = upload(client, huge)
    assert response.status_code == 413 and "too large" in text(response)


def test_export_download_is_the_import_layout(app, world, networks):
    client = signed_in(app, world.admin)
    response = client.get("/admin/import/registry.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert text(response).startswith("\ufeff" + ";".join(HEADER))

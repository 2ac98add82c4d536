"""Registry import for admins: upload a CSV, read the dry-run report per row, then apply it."""

from __future__ import annotations

import base64
import binascii
import hashlib

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.core.csv import csv_response
from tracker.core.errors import DomainError, InvalidInput
from tracker.core.forms import form_status, refused
from tracker.directory import registry_import
from tracker.directory.forms import RegistryApplyForm, RegistryUploadForm
from tracker.directory.views import bp

CSV_TYPES = {
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",  # what Windows browsers send for a .csv Excel saved
}


def _uploaded(form: RegistryUploadForm) -> bytes:
    """The uploaded bytes, or InvalidInput when the file is not a CSV or is too large."""
    upload = form.file.data
    filename = (upload.filename or "").lower()
    if not filename.endswith(".csv") or upload.mimetype not in CSV_TYPES:
        raise InvalidInput(_("Upload a .csv file."))
    data = upload.read(current_app.config["REGISTRY_IMPORT_MAX_BYTES"] + 1)
    if len(data) > current_app.config["REGISTRY_IMPORT_MAX_BYTES"]:
        raise InvalidInput(
            _(
                "The file is larger than %(n)d kB; split it.",
                n=current_app.config["REGISTRY_IMPORT_MAX_BYTES"] // 1024,
            )
        )
    return data


def _page(upload: RegistryUploadForm, report=None, apply_form=None):
    return render_template(
        "directory/import.html",
        form=upload,
        report=report,
        apply_form=apply_form,
        columns=registry_import.COLUMNS,
    )


@bp.route("/import", methods=["GET", "POST"])
def registry_import_page():
    form = RegistryUploadForm()
    if form.validate_on_submit():
        try:
            data = _uploaded(form)
            report = registry_import.check(data)
        except DomainError as error:
            status = refused(error)  # before rendering, so the message is on this page
            return _page(form), status
        apply_form = RegistryApplyForm(
            formdata=None,
            content=base64.b64encode(data).decode(),
            digest=hashlib.sha256(data).hexdigest(),
        )
        return _page(form, report, apply_form), 200 if report.ok else 422
    return _page(form), form_status(form)


@bp.post("/import/apply")
def registry_import_apply():
    form = RegistryApplyForm()
    upload = RegistryUploadForm(formdata=None)
    if not form.validate_on_submit():
        return _page(upload), form_status(form) if form.errors else 400
    try:
        data = base64.b64decode(form.content.data, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if hashlib.sha256(data).hexdigest() != form.digest.data:
        flash(_("The file changed on the way. Upload it again."), "error")
        return _page(upload), 422
    try:
        report = registry_import.apply(current_user, data)
    except DomainError as error:
        status = refused(error)
        return _page(upload), status
    if not report.ok:
        return _page(upload, report), 422
    summary = report.summary
    flash(
        _(
            "Imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged. "
            "No invitations were sent.",
            new=summary["new"],
            changed=summary["changed"],
            unchanged=summary["unchanged"],
        ),
        "success",
    )
    return redirect(url_for(".rows", key="dsvs"))


@bp.get("/import/registry.csv")
def registry_export():
    """Every DSV in the import layout, so a download can be edited and uploaded again."""
    header, rows = registry_import.export_all()
    return csv_response("registry.csv", header, rows)

"""The digest archive: every signed-in member may read it (confidential items are only counted)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import authz
from tracker.core.errors import NotVisible
from tracker.core.forms import page_number
from tracker.digests import services
from tracker.digests.models import CADENCE_LABELS, Digest
from tracker.directory.models import Party
from tracker.extensions import db

bp = Blueprint("digests", __name__, url_prefix="/digests")


@bp.get("/<slug>")
@login_required
def archive(slug: str):
    party = db.session.scalar(select(Party).where(Party.slug == slug))
    if party is None:
        raise NotVisible()
    authz.require(current_user, "digest.view", party)
    page = db.paginate(
        select(Digest).where(Digest.party_id == party.id).order_by(Digest.window_end.desc()),
        page=page_number(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "digests/archive.html",
        party=party,
        page=page,
        cadence=CADENCE_LABELS.get(party.digest_cadence),
    )


@bp.get("/show/<int:digest_id>")
@login_required
def show(digest_id: int):
    digest = db.session.get(Digest, digest_id)
    if digest is None:
        raise NotVisible()
    authz.require(current_user, "digest.view", digest.party)
    return render_template(
        "digests/show.html", digest=digest, content=services.redacted(digest.content)
    )

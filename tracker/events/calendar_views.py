"""The private calendar feed (no session: the token is the key) and the page that manages it."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.core.urls import external_url
from tracker.events import ics

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


@bp.get("/<token>.ics")
def feed(token: str):
    user = ics.feed_user(token)
    with force_locale(user.language):  # calendar apps send no useful Accept-Language
        body = ics.for_user(user)
    return Response(body, mimetype="text/calendar")


@bp.get("/")
@login_required
def manage():
    return render_template("events/calendar.html", feed=ics.feed_of(current_user), url=None)


@bp.post("/")
@login_required
def create():
    token = ics.create_feed(current_user)
    flash(_("Your calendar link is ready. Copy it now: it is shown only once."), "success")
    return render_template(
        "events/calendar.html",
        feed=ics.feed_of(current_user),
        url=external_url("calendar.feed", token=token),
    )


@bp.post("/revoke")
@login_required
def revoke():
    ics.revoke_feed(current_user)
    flash(_("Your calendar link no longer works."), "success")
    return redirect(url_for(".manage"))

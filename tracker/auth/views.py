"""Sign in and out, accept an invitation, reset a password with a token."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth import services, throttle
from tracker.auth.forms import AccountForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from tracker.auth.models import TokenPurpose
from tracker.core.errors import DomainError
from tracker.core.forms import form_status, refused
from tracker.core.urls import safe_next
from tracker.privacy import personal_data
from tracker.privacy.download import json_download

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("dashboard.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email, address = services.normalize_email(form.email.data), request.remote_addr or "-"
        password, form.password.data = form.password.data, ""  # never echoed back
        if throttle.is_limited(email, address):
            flash(
                _(
                    "Too many failed sign-ins. Wait %(minutes)d minutes and try again, or "
                    "choose a new password.",
                    minutes=current_app.config["LOGIN_WINDOW_MINUTES"],
                ),
                "error",
            )
            return render_template("auth/login.html", form=form), 429
        user = services.authenticate(email, password)
        if user is not None:
            throttle.succeeded(email)
            session.clear()  # no session fixation: a fresh session for the signed-in user
            login_user(user)
            session["language"] = user.language
            return redirect(_safe_next(request.args.get("next")))
        throttle.failed(email, address)
        flash(_("The e-mail address or password is not correct."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
@login_required
def logout():
    services.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for(".login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_preferences(
                current_user, language=form.language.data, delivery=form.delivery.data
            )
        except DomainError as error:
            status = refused(error)  # flash and roll back before rendering
            return render_template("auth/account.html", form=form), status
        session["language"] = form.language.data
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for(".account"))
    return render_template("auth/account.html", form=form), form_status(form)


@bp.get("/account/personal-data.json")
@login_required
def account_personal_data():
    data = personal_data.export(current_user, current_user.id)
    return json_download(data, "personal-data.json")


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If an account with this address exists, we sent it a link to choose a new "
                "password. Check your e-mail."
            ),
            "success",
        )
        return redirect(url_for(".login"))
    return render_template("auth/forgot_password.html", form=form), form_status(form)


def _token_page(token: str, purpose: TokenPurpose, template: str, done_message: str):
    try:
        services.peek_token(token, purpose)
    except DomainError as error:
        return render_template(
            "errors/error.html", status=error.status, message=error.message
        ), error.status
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.set_password_with_token(token, purpose, form.password.data)
        except DomainError as error:
            status = refused(error)  # flash and roll back before rendering
            return render_template(template, form=form), status
        session.clear()
        login_user(user)
        session["language"] = user.language
        flash(done_message, "success")
        return redirect(url_for("dashboard.index"))
    return render_template(template, form=form), form_status(form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    return _token_page(
        token, TokenPurpose.INVITE, "auth/accept_invite.html", _("Welcome! Your password is set.")
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _token_page(
        token, TokenPurpose.RESET, "auth/reset_password.html", _("Your password is changed.")
    )

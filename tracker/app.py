"""The application factory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import format_datetime
from flask_login import current_user

from tracker import config
from tracker.core import security
from tracker.core.errors import register_error_handlers
from tracker.core.requests import CleanRequest
from tracker.core.urls import BoundedIntConverter
from tracker.extensions import babel, cache, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def _engine_options(config: dict) -> None:
    """PostgreSQL: no server-side prepared statements (psycopg prepares a query after its fifth
    run, and PostgreSQL may then plan it once for any parameters: the similar-bottleneck lookup
    went from 130 ms to 380 ms that way). Every query is planned for its own values."""
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"prepare_threshold": None, **options.get("connect_args", {})}


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI commands and error pages."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.request_class = CleanRequest
    app.config.update(config.load(Path(app.instance_path)))
    if overrides:
        app.config.update(overrides)
    _engine_options(app.config)

    app.url_map.converters["int"] = BoundedIntConverter
    _import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    cache.init_app(app)
    babel.init_app(
        app, locale_selector=_select_locale, timezone_selector=lambda: app.config["TIMEZONE"]
    )
    _init_login(app)
    security.init_app(app)
    register_error_handlers(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_template_helpers(app)

    return app


def _import_models() -> None:
    """Import every model module so metadata (and Alembic) sees all tables."""
    from tracker.api import models as _api  # noqa: F401
    from tracker.auth import models as _auth  # noqa: F401
    from tracker.bottlenecks import models as _bottlenecks  # noqa: F401
    from tracker.digests import models as _digests  # noqa: F401
    from tracker.directory import models as _directory  # noqa: F401
    from tracker.duplicates import models as _duplicates  # noqa: F401
    from tracker.escalations import models as _escalations  # noqa: F401
    from tracker.events import models as _events  # noqa: F401
    from tracker.notifications import models as _notifications  # noqa: F401
    from tracker.roadblocks import models as _roadblocks  # noqa: F401
    from tracker.timeline import models as _timeline  # noqa: F401


def _select_locale() -> str:
    languages = ("nl", "en")
    if not has_request_context():  # CLI and workers: the default, unless force_locale is used
        return "nl"
    if (chosen := session.get("language")) in languages:
        return chosen
    if current_user and current_user.is_authenticated:
        return current_user.language
    return request.accept_languages.best_match(languages) or "nl"


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l
    from sqlalchemy.orm import joinedload

    from tracker.auth.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            uid, version = (int(part) for part in user_id.split(":", 1))
        except ValueError:
            return None
        # The DSVs and parties decide what the user sees on nearly every page: one query.
        user = db.session.get(User, uid, options=(joinedload(User.dsvs), joinedload(User.parties)))
        if user is None or user.session_version != version or not user.active:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from tracker.api.openapi import docs_bp as api_docs_bp
    from tracker.api.routes import bp as api_bp
    from tracker.api.token_views import bp as api_tokens_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.bottlenecks.views import bp as bottlenecks_bp
    from tracker.dashboard.views import bp as dashboard_bp
    from tracker.digests.views import bp as digests_bp
    from tracker.directory import import_views as _registry_import  # noqa: F401 (routes on bp)
    from tracker.directory import privacy_views as _privacy  # noqa: F401 (routes on bp)
    from tracker.directory.views import bp as directory_bp
    from tracker.duplicates.views import bp as duplicates_bp
    from tracker.escalations.views import bp as escalations_bp
    from tracker.events.calendar_views import bp as calendar_bp
    from tracker.events.views import bp as events_bp
    from tracker.insights.views import bp as insights_bp
    from tracker.notifications.views import bp as notifications_bp
    from tracker.roadblocks.views import bp as roadblocks_bp

    for blueprint in (
        dashboard_bp,
        auth_bp,
        bottlenecks_bp,
        escalations_bp,
        directory_bp,
        notifications_bp,
        digests_bp,
        insights_bp,
        roadblocks_bp,
        duplicates_bp,
        events_bp,
        calendar_bp,
        api_bp,
        api_docs_bp,
        api_tokens_bp,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from tracker import demo
    from tracker.auth import cli as auth_cli
    from tracker.digests import cli as digests_cli
    from tracker.directory import cli as directory_cli
    from tracker.events import cli as events_cli
    from tracker.notifications import cli as notifications_cli
    from tracker.privacy import cli as privacy_cli
    from tracker.reminders import cli as reminders_cli

    directory_cli.register(app)
    digests_cli.register(app)
    notifications_cli.register(app)
    reminders_cli.register(app)
    events_cli.register(app)
    auth_cli.register(app)
    privacy_cli.register(app)
    demo.register(app)


def _register_template_helpers(app: Flask) -> None:
    from tracker import authz
    from tracker.bottlenecks.models import IMPACT_LABELS, STATUS_LABELS
    from tracker.core import pickers
    from tracker.core.timeutil import to_local
    from tracker.escalations.workflow import STATUS_LABELS as ESCALATION_LABELS
    from tracker.events.models import AUDIENCE_LABELS, KIND_LABELS
    from tracker.events.models import STATUS_LABELS as EVENT_LABELS
    from tracker.notifications.models import STATUS_LABELS as OUTBOX_LABELS
    from tracker.roadblocks.models import STATUS_LABELS as ROAD_BLOCK_LABELS
    from tracker.timeline.labels import describe

    @app.template_filter("last_day")
    def last_day(window_end, fmt: str = "d MMM yyyy") -> str:
        """The last local day of a window that ends (exclusively) at local midnight."""
        return format_datetime(to_local(window_end - timedelta(seconds=1)), fmt, rebase=False)

    @app.template_filter("local")
    def local(moment, fmt: str = "d MMM yyyy HH:mm") -> str:
        return format_datetime(to_local(moment), fmt, rebase=False) if moment else ""

    app.jinja_env.globals.update(
        status_label=lambda code: ESCALATION_LABELS.get(code, code),
        bottleneck_status_label=lambda code: STATUS_LABELS.get(code, code),
        impact_label=lambda code: IMPACT_LABELS.get(code, code),
        event_text=describe,
        outbox_status_label=lambda code: OUTBOX_LABELS.get(code, code),
        road_block_status_label=lambda code: ROAD_BLOCK_LABELS.get(code, code),
        event_kind_label=lambda code: KIND_LABELS.get(code, code),
        event_status_label=lambda code: EVENT_LABELS.get(code, code),
        event_audience_label=lambda code: AUDIENCE_LABELS.get(code, code),
        picker_limit=pickers.LIMIT,
    )

    @app.context_processor
    def helpers() -> dict:
        return {
            "can": lambda action, obj=None: authz.can(current_user, action, obj),
            "current_language": str(_select_locale()),
        }

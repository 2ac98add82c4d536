"""The Celery app is made from the Flask factory; tasks run in an app context."""

from __future__ import annotations

from workers.celery_app import celery_init_app
from workers.schedule import BEAT_SCHEDULE


def test_celery_is_configured_from_the_flask_config(app):
    celery = celery_init_app(app)
    assert celery.conf.broker_url == app.config["CELERY"]["broker_url"]
    assert celery.conf.timezone == "Europe/Amsterdam"
    assert app.extensions["celery"] is celery


def test_every_scheduled_job_names_a_registered_task(app):
    celery = celery_init_app(app)
    celery.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in celery.tasks, name


def test_heartbeat_runs_inside_an_app_context_and_reaches_the_database(app):
    celery = celery_init_app(app)
    celery.loader.import_default_modules()
    result = celery.tasks["workers.tasks.health.heartbeat"].apply()
    assert result.successful(), result.traceback
    assert result.get() == "ok"

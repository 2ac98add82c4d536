"""The Celery app, made from the Flask factory (the Flask docs pattern).

Tasks run inside an app context, take ids and load fresh rows. `workers.worker` is the module
the `celery` command loads.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from workers.schedule import BEAT_SCHEDULE


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app configured from app.config["CELERY"], each task in an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(app.config["CELERY"])
    celery.conf.beat_schedule = BEAT_SCHEDULE
    celery.set_default()
    celery.autodiscover_tasks(["workers.tasks"], related_name=None, force=True)
    app.extensions["celery"] = celery
    return celery

"""What `celery -A workers.worker worker|beat` loads: the Flask app and its Celery app."""

import gc

from celery.signals import worker_init, worker_process_init

from tracker.app import create_app
from workers.celery_app import celery_init_app

flask_app = create_app()
celery = celery_init_app(flask_app)


@worker_init.connect
@worker_process_init.connect
def _freeze_loaded_objects(**_) -> None:
    """Keep the loaded app's objects out of every full garbage collection, as gunicorn.conf.py.

    A worker holds about 170,000 of them (mappers, templates, locale data, holiday tables);
    each full collection walked them all, ~0.1 s landing on whichever task ran, such as a
    large reminder sweep. `worker_init` covers the main process (and a solo pool) before the
    pool forks; `worker_process_init` what each pool process loaded after that.
    """
    gc.freeze()

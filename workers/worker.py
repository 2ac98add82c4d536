"""What `celery -A workers.worker worker|beat` loads: the Flask app and its Celery app."""

from tracker.app import create_app
from workers.celery_app import celery_init_app

flask_app = create_app()
celery = celery_init_app(flask_app)

"""PROCRASTINATE_ON_APP_READY: what this project sets on Procrastinate's app once it is ready."""

from django.conf import settings
from django.utils.module_loading import import_string
from procrastinate import App

from .manager import JobManager


def on_app_ready(app: App) -> None:
    # The middleware of settings.TASKS_WORKER_MIDDLEWARE wraps every job a worker runs.
    app.worker_defaults["worker_middleware"] = [
        import_string(path) for path in settings.TASKS_WORKER_MIDDLEWARE
    ]
    # Writes each job's outcome again if its connection is lost (core/jobs/manager.py).
    app.job_manager = JobManager(app.connector)

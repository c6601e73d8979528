"""`manage.py worker`: run jobs from every queue until SIGTERM.

Procrastinate's own `manage.py procrastinate worker`, with this project's concurrency and,
when WORKER_METRICS_PORT is set, its job metrics served to Prometheus. Run it on the direct
database connection (DATABASE_URL set to DATABASE_DIRECT_URL): it LISTENs for new jobs, which
PgBouncer's transaction pooling breaks.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app


class Command(BaseCommand):
    help = "Run a background worker: jobs from every queue, until SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency",
            type=int,
            default=settings.TASKS_CONCURRENCY,
            help="Jobs run at once, each in a thread (default: TASKS_CONCURRENCY).",
        )

    def handle(self, *args, concurrency: int, **options):
        port = getattr(settings, "WORKER_METRICS_PORT", 0)
        if port:
            from {{ cookiecutter.project_slug }}.core.jobs import metrics as job_metrics

            job_metrics.serve(port)
        # Procrastinate's worker connector: a psycopg pool on the same DATABASES settings.
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(concurrency=concurrency)

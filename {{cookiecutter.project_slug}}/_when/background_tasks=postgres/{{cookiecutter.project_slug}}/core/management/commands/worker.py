"""`manage.py worker`: run jobs from every queue until SIGTERM.

Procrastinate's own `manage.py procrastinate worker`, with this project's concurrency. Run it
on the direct database connection (DATABASE_URL set to DATABASE_DIRECT_URL): it LISTENs for
new jobs, which PgBouncer's transaction pooling breaks.
{%- if cookiecutter.use_prometheus %}

When WORKER_METRICS_PORT is set, it serves its job metrics to Prometheus on that port.
{%- endif %}
"""

from typing import cast

from django.conf import settings
from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
{%- if cookiecutter.use_prometheus %}
from prometheus_client import start_http_server
{%- endif %}


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
{%- if cookiecutter.use_prometheus %}
        if settings.WORKER_METRICS_PORT:
            # A worker shares no multiprocess directory with gunicorn: it serves its own.
            start_http_server(settings.WORKER_METRICS_PORT)
{%- endif %}
        # Procrastinate's worker connector: a psycopg pool on the same DATABASES settings.
        connector = cast(DjangoConnector, app.connector).get_worker_connector()
        with app.replace_connector(connector):
            app.run_worker(concurrency=concurrency)

"""`manage.py purge_idempotency_keys`: delete the Idempotency-Keys past their 24 hours.
{%- if cookiecutter.background_tasks == "postgres" %}

A periodic job runs the same purge every hour (core/jobs/housekeeping.py).
{%- else %}

Run it from cron, hourly: expired keys are ignored, but they hold space until purged.
{%- endif %}
"""

from django.core.management.base import BaseCommand

from ...api.idempotency import purge_expired


class Command(BaseCommand):
    help = "Delete the Idempotency-Keys past their 24 hours."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Deleted {purge_expired()} expired Idempotency-Keys.")

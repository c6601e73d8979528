"""Periodic tasks that keep the project's own tables small."""

from procrastinate.contrib.django import app

from ..api.idempotency import purge_expired


@app.periodic(cron="17 * * * *")  # hourly, off the hour that every cron job picks
@app.task(queueing_lock="purge_idempotency_keys")
def purge_idempotency_keys(timestamp: int) -> int:
    """The Idempotency-Keys past their 24 hours: retries of such old writes are new writes."""
    return purge_expired()

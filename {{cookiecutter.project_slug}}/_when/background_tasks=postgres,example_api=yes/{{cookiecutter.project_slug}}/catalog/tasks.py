"""The catalog's background jobs. A worker may run a job twice (it was killed after the
work, before it reported), so each task must be idempotent."""

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from .models import OrderEvent


# A failure (the database restarting, a mail server down) is retried 5 times, 2, 4, 8, 16 and
# 32 s later; after a minute of failures the job stays "failed", with its error in the logs.
@app.task(queue="orders", retry=RetryStrategy(max_attempts=5, exponential_wait=2))
def confirm_order(order_id: int) -> None:
    """Confirm a placed order: a real shop sends the e-mail here, then records that it did."""
    OrderEvent.record(order_id, OrderEvent.Kind.CONFIRMED)

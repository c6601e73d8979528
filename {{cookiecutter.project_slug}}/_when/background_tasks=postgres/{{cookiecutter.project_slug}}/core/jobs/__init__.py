"""Deferring jobs, with what every job carries from the request that deferred it.

    from {{ cookiecutter.project_slug }}.core.jobs import defer

    defer(send_receipt, order_id=order.pk)  # inside the caller's transaction

A job's log lines carry the id of the request that deferred it, as the request's own do
(core/observability/logs.py), so one search finds both.
"""

from collections.abc import Callable
from typing import Any

from procrastinate.tasks import Task

from ..observability.logs import current_request_id

# The keyword the request id travels under in the job's arguments; the worker middleware
# carry_request_id takes it out again before the task is called (core/jobs/middleware.py).
REQUEST_ID = "_request_id"
# What every job carries from the code that deferred it: keyword -> its value at defer time.
# A worker middleware takes each out again (tracing adds the trace context).
CARRIED: dict[str, Callable[[], Any]] = {REQUEST_ID: current_request_id.get}


def defer(task: Task, **kwargs: Any) -> int:
    """Queue a job on Django's database connection, so in the current transaction: it exists
    if and only if that transaction commits. Returns the job's id."""
    return task.defer(**kwargs, **{keyword: value() for keyword, value in CARRIED.items()})

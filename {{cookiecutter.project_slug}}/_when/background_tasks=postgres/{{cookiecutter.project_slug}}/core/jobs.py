"""Deferring jobs, and what every job carries from the request that deferred it.

    from {{ cookiecutter.project_slug }}.core.jobs import defer

    defer(send_receipt, order_id=order.pk)  # inside the caller's transaction

A job's log lines carry the id of the request that deferred it, as the request's own do
(core/jsonlog.py), so one search finds both.
"""

from procrastinate import App
from procrastinate.tasks import Task

from .jsonlog import current_request_id

# The keyword the request id travels under in the job's arguments; carry_request_id takes it
# out again before the task is called.
REQUEST_ID = "_request_id"
# What every job carries from the code that deferred it: keyword -> its value at defer time.
# A worker middleware takes each out again (tracing adds the trace context, core/tracing.py).
CARRIED = {REQUEST_ID: current_request_id.get}


def defer(task: Task, **kwargs) -> int:
    """Queue a job on Django's database connection, so in the current transaction: it exists
    if and only if that transaction commits. Returns the job's id."""
    return task.defer(**kwargs, **{keyword: value() for keyword, value in CARRIED.items()})


async def carry_request_id(call_next, context, worker):
    """Worker middleware: the job's request id is current_request_id while it runs.

    Each job runs in an asyncio task of its own, whose context the task's thread inherits: the
    value is seen by the task and by the worker's line on the job's outcome, and by no other job.
    """
    current_request_id.set(context.job.task_kwargs.pop(REQUEST_ID, None))
    return await call_next()


def on_app_ready(app: App) -> None:
    """PROCRASTINATE_ON_APP_READY: the middleware of settings.TASKS_WORKER_MIDDLEWARE."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    middleware = [import_string(path) for path in settings.TASKS_WORKER_MIDDLEWARE]
    app.worker_defaults["worker_middleware"] = middleware

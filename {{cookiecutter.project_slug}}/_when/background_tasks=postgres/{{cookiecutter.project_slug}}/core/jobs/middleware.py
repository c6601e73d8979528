"""Worker middleware of this project's own (settings.TASKS_WORKER_MIDDLEWARE lists them)."""

from ..observability.logs import current_request_id
from . import REQUEST_ID


async def carry_request_id(call_next, context, worker):
    """The job's request id is current_request_id while it runs.

    Each job runs in an asyncio task of its own, whose context the task's thread inherits: the
    value is seen by the task and by the worker's line on the job's outcome, and by no other job.
    """
    current_request_id.set(context.job.task_kwargs.pop(REQUEST_ID, None))
    return await call_next()

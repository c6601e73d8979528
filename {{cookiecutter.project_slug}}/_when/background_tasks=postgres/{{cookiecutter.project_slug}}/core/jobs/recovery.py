"""The task every worker runs, whatever the project's own: the recovery of stalled jobs.

Define the project's tasks in its apps' `tasks` modules, which Procrastinate finds; this one
is listed in PROCRASTINATE_IMPORT_PATHS (config/settings/components/jobs.py).
"""

import logging
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from procrastinate import exceptions
from procrastinate.contrib.django import app

from .deadlines import overdue_jobs

logger = logging.getLogger(__name__)


@app.periodic(cron=f"* * * * * */{settings.TASKS_RECOVERY_SECONDS}")
# One check queued at a time, however many workers defer it.
@app.task(queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> int:
    """Jobs left "doing" by a worker whose heartbeat stopped (killed, OOM, lost node), or for
    longer than their task's deadline (core/jobs/deadlines.py), go back to the queue: a job
    is never silently lost, and tasks must bear running twice."""
    now = datetime.now(UTC)
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.TASKS_STALLED_SECONDS
    )
    overdue = await sync_to_async(overdue_jobs)(now)
    for job_id, task_name in overdue:
        logger.warning("Job %s (%s) is past its deadline: queued again.", job_id, task_name)
    queued = 0
    job_ids = {job.id for job in stalled if job.id} | {job_id for job_id, _ in overdue}
    for job_id in sorted(job_ids):
        try:
            await app.job_manager.retry_job_by_id_async(job_id, retry_at=now)
        except exceptions.ConnectorException:
            continue  # it finished meanwhile
        queued += 1
    return queued

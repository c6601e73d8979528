"""The task every worker runs, whatever the project's own: the recovery of stalled jobs.

Define the project's tasks in its apps' `tasks` modules, which Procrastinate finds; this one
is listed in PROCRASTINATE_IMPORT_PATHS (config/settings/components/jobs.py).
"""

from django.conf import settings
from procrastinate.contrib.django import app


@app.periodic(cron=f"* * * * * */{settings.TASKS_RECOVERY_SECONDS}")
# One check queued at a time, however many workers defer it.
@app.task(queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> int:
    """Jobs left "doing" by a worker whose heartbeat stopped (killed, OOM, lost node) go back
    to the queue: a job is never silently lost, and tasks must bear running twice."""
    stalled = list(
        await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=settings.TASKS_STALLED_SECONDS
        )
    )
    for job in stalled:
        await app.job_manager.retry_job(job)
    return len(stalled)

"""How long a job may stay "doing": its task's deadline.

Whatever holds a job past it (an outcome its worker could not write, a task that hangs), the
recovery check queues it again with a warning (core/jobs/recovery.py), and /metrics counts it
meanwhile: no job is kept silently. Tasks may therefore run twice, and must be idempotent.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from procrastinate.contrib.django.models import ProcrastinateEvent


def deadline(task_name: str) -> timedelta:
    seconds = settings.TASKS_DEADLINES.get(task_name, settings.TASKS_DEADLINE_SECONDS)
    return timedelta(seconds=seconds)


def overdue_jobs(now: datetime) -> list[tuple[int, str]]:
    """(id, task name) of every job "doing" for longer than its task's deadline."""
    running = (
        ProcrastinateEvent.objects.filter(type="started", job__status="doing")
        .values("job_id", "job__task_name")
        .annotate(started=Max("at"))
        .order_by("job_id")
    )
    return [
        (row["job_id"], row["job__task_name"])
        for row in running
        if now - row["started"] > deadline(row["job__task_name"])
    ]

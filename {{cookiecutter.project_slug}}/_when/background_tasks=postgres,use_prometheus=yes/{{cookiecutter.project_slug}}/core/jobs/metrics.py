"""Prometheus metrics of the job queue: its depth, its overdue jobs, each job's outcome and
duration.

Depth and overdue jobs are read from the queue's tables when the web's /metrics is scraped,
so every web process reports the same queue: take max() over instances, not sum(). Outcomes
and durations are counted by the worker that ran the job; a worker shares no multiprocess
directory with gunicorn, so it serves them on its own WORKER_METRICS_PORT (`manage.py worker`).
"""

import logging
import time

from django.db import DatabaseError
from django.db.models import Count
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from .deadlines import overdue_jobs

logger = logging.getLogger(__name__)

JOBS = Counter(
    "background_jobs_total",
    "Job runs by task and outcome (a retried job counts once per run).",
    ["task", "outcome"],
)
DURATION = Histogram(
    "background_job_duration_seconds",
    "Time a job ran, by task.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
# Waiting to run, and running: the states whose growth means the workers are behind.
QUEUED = ("todo", "doing")


async def measure(call_next, context, worker):
    """Worker middleware: count the job's outcome and observe its duration."""
    task, outcome, started = context.job.task_name, "failed", time.perf_counter()
    try:
        result = await call_next()
        outcome = "succeeded"
        return result
    finally:
        JOBS.labels(task, outcome).inc()
        DURATION.labels(task).observe(time.perf_counter() - started)


class QueueDepthCollector:
    """background_jobs_queued{queue,status} and background_jobs_overdue{task}, counted at
    scrape time."""

    def collect(self):
        queued = GaugeMetricFamily(
            "background_jobs_queued",
            "Jobs waiting (todo) or running (doing), by queue.",
            labels=["queue", "status"],
        )
        overdue = GaugeMetricFamily(
            "background_jobs_overdue",
            "Jobs running for longer than their task's deadline: the recovery check queues "
            "them again.",
            labels=["task"],
        )
        try:
            rows = list(
                ProcrastinateJob.objects.filter(status__in=QUEUED)
                .values("queue_name", "status")
                .annotate(jobs=Count("id"))
                .order_by()
            )
            late: dict[str, int] = {}
            for _, task in overdue_jobs(timezone.now()):
                late[task] = late.get(task, 0) + 1
        except DatabaseError:
            # The other metrics are still worth a scrape while the database is down.
            logger.warning("Queue depth not read: the database did not answer", exc_info=True)
            return
        for row in rows:
            queued.add_metric([row["queue_name"], row["status"]], row["jobs"])
        for task, jobs in late.items():
            overdue.add_metric([task], jobs)
        yield queued
        yield overdue


QUEUE_DEPTH = QueueDepthCollector()

"""Tasks for the tests' real workers (config/settings/test.py imports them). Each run is noted
in the test_job_runs table as it starts, and again if it finishes: which job, which attempt,
which worker process, which request."""

import os
import time

from django.db import connection
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from {{ cookiecutter.project_slug }}.core.observability.logs import current_request_id


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS test_job_runs (id serial, label text, attempt int,"
            " pid int, request_id text, started timestamptz, finished timestamptz)"
        )
        cursor.execute("DELETE FROM test_job_runs")


def runs(label: str | None = None) -> list[dict]:
    """Every run noted so far, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT label, attempt, pid, request_id, started, finished FROM test_job_runs"
            " WHERE %s::text IS NULL OR label = %s ORDER BY id",
            [label, label],
        )
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def start(label: str, attempt: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO test_job_runs (label, attempt, pid, request_id, started)"
            " VALUES (%s, %s, %s, %s, clock_timestamp()) RETURNING id",
            [label, attempt, os.getpid(), current_request_id.get()],
        )
        return cursor.fetchone()[0]


@app.task(pass_context=True)
def note_run(context, label: str, seconds: float = 0) -> None:
    """Note the run's start, sleep `seconds`, note its end."""
    run = start(label, context.job.attempts)
    time.sleep(seconds)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE test_job_runs SET finished = clock_timestamp() WHERE id = %s", [run]
        )


# Retried once, 2 s later (2 ** 1), then failed for good.
@app.task(pass_context=True, retry=RetryStrategy(max_attempts=1, exponential_wait=2))
def fail(context, label: str) -> None:
    start(label, context.job.attempts)
    raise RuntimeError(f"{label} fails on purpose")


@app.task(pass_context=True)
def overrun(context, label: str, seconds: float) -> None:
    """note_run's twin with a deadline of its own, shorter than it runs (jobs/settings.py)."""
    note_run(context, label, seconds)

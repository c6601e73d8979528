"""Procrastinate's job manager, with the write of a job's outcome tried again when its
connection is lost.

A worker records each job's outcome (finish_job, or retry_job when the task asks for another
attempt) on a pooled connection. When that connection dies during the write (PostgreSQL
restarting, its backend terminated), Procrastinate logs the error and carries on: the job
stays "doing" under a worker that is alive and heartbeating, so the stalled-job check never
sees it (procrastinate-org/procrastinate#1518; reconnecting, #1425, was reverted by #1436).
Here the write is tried again on another connection, for up to RETRY_SECONDS in all. What
still fails is left to the deadline check of core/jobs/recovery.py.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from procrastinate import exceptions, manager

ATTEMPTS = 5
FIRST_WAIT_SECONDS = 0.5  # doubled after each attempt: 7.5 s of waiting in all
RETRY_SECONDS = FIRST_WAIT_SECONDS * (2 ** (ATTEMPTS - 1) - 1)


class JobManager(manager.JobManager):
    async def finish_job(self, *args: Any, **kwargs: Any) -> None:
        await _until_written(super().finish_job, *args, **kwargs)

    async def retry_job(self, *args: Any, **kwargs: Any) -> None:
        await _until_written(super().retry_job, *args, **kwargs)


async def _until_written(write: Callable[..., Awaitable[None]], *args: Any, **kwargs: Any) -> None:
    for attempt in range(ATTEMPTS):
        try:
            await write(*args, **kwargs)
            return
        except exceptions.ConnectorException as error:
            if attempt and isinstance(error.__cause__, psycopg.errors.RaiseException):
                # The job is no longer "doing": the lost write had committed after all.
                return
            lost_connection = isinstance(error.__cause__, psycopg.OperationalError)
            if not lost_connection or attempt == ATTEMPTS - 1:
                raise
        await asyncio.sleep(FIRST_WAIT_SECONDS * 2**attempt)

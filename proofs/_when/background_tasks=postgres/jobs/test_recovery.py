"""Every job reaches a final state, or is queued again, within a stated bound, whatever
fails: its worker's connection while it writes the outcome, the worker's row, the worker, or
the task itself, running past its deadline."""

import signal
import time

import pytest
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob

from {{ cookiecutter.project_slug }}.core.jobs.manager import RETRY_SECONDS

from tests.proofs import servers
from tests.proofs.jobs import tasks
from tests.proofs.jobs.conftest import RECOVERY_SECONDS, wait_until_done

# Each bound above, plus 3 s for a CI machine running other suites at the same time.
SLACK = 3
KILL_OUTCOME_WRITE = """
CREATE SEQUENCE test_outcome_writes;
CREATE FUNCTION test_kill_outcome_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.args->>'label' = 'outcome-lost' AND nextval('test_outcome_writes') = 1 THEN
        PERFORM pg_terminate_backend(pg_backend_pid());
        -- The session ends at its next check for interrupts: here, within the statement.
        PERFORM pg_sleep(5);
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER test_kill_outcome_write BEFORE DELETE ON procrastinate_jobs
    FOR EACH ROW EXECUTE FUNCTION test_kill_outcome_write();
"""


@pytest.fixture
def outcome_write_killed_once(job_runs):
    """The first write of the outcome of a job labelled "outcome-lost" ends its own database
    session: the worker's connection dies exactly while it records the outcome. (A sequence
    counts the writes: unlike a table, it keeps counting through the rollback.)"""
    with connection.cursor() as cursor:
        cursor.execute(KILL_OUTCOME_WRITE)
    yield lambda: _sequence_value("test_outcome_writes")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_kill_outcome_write ON procrastinate_jobs")
        cursor.execute("DROP FUNCTION test_kill_outcome_write()")
        cursor.execute("DROP SEQUENCE test_outcome_writes")


def _sequence_value(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value FROM {name}")  # noqa: S608 (the test's own name)
        return cursor.fetchone()[0]


def test_a_job_whose_outcome_write_loses_its_connection_is_finished_once(
    worker, job_runs, outcome_write_killed_once
):
    tasks.note_run.defer(label="outcome-lost")

    assert wait_until_done(timeout=RETRY_SECONDS + SLACK)
    (run,) = job_runs("outcome-lost")  # written again, not run again
    assert run["finished"] is not None
    assert outcome_write_killed_once() >= 2  # the control: the first write did die


def worker_of(job_id: int) -> int:
    return ProcrastinateJob.objects.get(pk=job_id).worker_id


def test_the_job_of_a_killed_worker_whose_row_was_pruned_runs_again(workers, job_runs):
    job_id = tasks.note_run.defer(label="orphaned", seconds=1)
    assert servers.wait_for(lambda: job_runs("orphaned"))
    (doomed,) = [w for w in workers if w.process.pid == job_runs("orphaned")[0]["pid"]]
    worker_id = worker_of(job_id)

    doomed.kill(sig=signal.SIGKILL)
    # What another worker's start does to a worker whose heartbeat stopped.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_workers WHERE id = %s", [worker_id])
    killed = time.monotonic()

    limit = RECOVERY_SECONDS + 1 + SLACK
    assert servers.wait_for(lambda: job_runs("orphaned")[-1]["finished"], timeout=limit)
    assert time.monotonic() - killed < limit


def test_the_job_of_a_worker_restarted_in_its_place_runs_again(worker_pool, worker, job_runs):
    tasks.note_run.defer(label="restarted", seconds=1)
    assert servers.wait_for(lambda: job_runs("restarted"))

    worker.kill(sig=signal.SIGKILL)
    # The same command, hence the same worker name, as an orchestrator restarts it.
    worker_pool.running(1)
    killed = time.monotonic()

    limit = RECOVERY_SECONDS + 1 + SLACK
    assert servers.wait_for(lambda: job_runs("restarted")[-1]["finished"], timeout=limit)
    assert time.monotonic() - killed < limit


def test_a_job_running_past_its_deadline_is_queued_again(worker, job_runs):
    # 1 s allowed (jobs/settings.py), 4 s taken: the check queues it again, and the worker's
    # second thread starts it while the first run goes on.
    tasks.overrun.defer(label="overrun", seconds=4)

    limit = 1 + RECOVERY_SECONDS + SLACK
    assert servers.wait_for(lambda: len(job_runs("overrun")) == 2, timeout=limit)
    first, second = job_runs("overrun")
    assert (first["attempt"], second["attempt"]) == (0, 1)

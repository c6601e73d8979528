"""Workers, for real: separate processes on the test database, as in production.

The tests share two workers (starting one takes seconds); each test that stops or kills one
comes after those that need it, so no worker starts twice.
"""

import signal
import time
from datetime import timedelta

import pytest
from django.db import transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from {{ cookiecutter.project_slug }}.core.jobs import defer
from {{ cookiecutter.project_slug }}.core.observability.logs import current_request_id

from tests.proofs import servers
from tests.proofs.jobs import tasks
from tests.proofs.jobs.conftest import RECOVERY_SECONDS, wait_until_done


def test_a_job_exists_only_if_its_transaction_commits(workers, job_runs):
    def fail_after_deferring():
        with transaction.atomic():
            defer(tasks.note_run, label="rolled back")
            raise RuntimeError("the order failed")

    with pytest.raises(RuntimeError):
        fail_after_deferring()
    with transaction.atomic():
        defer(tasks.note_run, label="committed")
        time.sleep(0.5)
        # The workers are listening, but the job is not there until the commit.
        assert job_runs() == []

    assert wait_until_done(timeout=10)
    assert [run["label"] for run in job_runs()] == ["committed"]


def test_two_workers_never_run_one_job_twice(workers, job_runs):
    labels = [f"job-{i}" for i in range(40)]
    # All at once, at the commit, and each long enough (0.1 s, 4 at a time across both
    # workers) that one worker cannot drain the queue before the other wakes to it: deferred
    # one by one, 20 ms jobs were all taken by whichever worker woke first on a fast machine.
    with transaction.atomic():
        for label in labels:
            tasks.note_run.defer(label=label, seconds=0.1)

    assert wait_until_done(timeout=20)
    runs = job_runs()
    assert sorted(run["label"] for run in runs) == sorted(labels)
    # Both took jobs: they competed for the same ones, so a double run could have shown.
    assert {run["pid"] for run in runs} == {worker.process.pid for worker in workers}


def test_the_job_of_a_killed_worker_runs_again_within_the_stated_time(workers, job_runs):
    tasks.note_run.defer(label="interrupted", seconds=1)
    assert servers.wait_for(lambda: job_runs("interrupted"))
    (doomed,) = [w for w in workers if w.process.pid == job_runs("interrupted")[0]["pid"]]
    (survivor,) = [w for w in workers if w is not doomed]

    doomed.kill(sig=signal.SIGKILL)
    killed = time.monotonic()

    # Queued again within RECOVERY_SECONDS, then run for its 1 s by the other worker; 3 s more
    # for a CI machine running other suites at the same time.
    limit = RECOVERY_SECONDS + 1 + 3
    assert servers.wait_for(lambda: job_runs("interrupted")[-1]["finished"], timeout=limit)
    assert time.monotonic() - killed < limit
    interrupted, rerun = job_runs("interrupted")
    assert interrupted["finished"] is None
    assert rerun["pid"] == survivor.process.pid


def test_a_failing_job_is_retried_after_a_backoff_then_marked_failed(worker, job_runs):
    job_id = tasks.fail.defer(label="flaky")

    assert servers.wait_for(
        lambda: ProcrastinateJob.objects.filter(pk=job_id, status="failed").exists(), timeout=10
    )
    first, retry = job_runs("flaky")
    assert (first["attempt"], retry["attempt"]) == (0, 1)
    # The retry strategy waits 2 ** (attempt + 1) seconds: 2 s before the first retry.
    assert retry["started"] - first["started"] >= timedelta(seconds=2)


def test_a_job_runs_with_the_request_id_of_the_request_that_deferred_it(worker, job_runs):
    token = current_request_id.set("request-42")
    try:
        defer(tasks.note_run, label="from a request")
    finally:
        current_request_id.reset(token)
    defer(tasks.note_run, label="from elsewhere")

    assert wait_until_done(timeout=10)
    assert {run["label"]: run["request_id"] for run in job_runs()} == {
        "from a request": "request-42",
        "from elsewhere": None,
    }


def test_a_worker_stopped_with_sigterm_finishes_its_job_first(worker, job_runs):
    job_id = tasks.note_run.defer(label="last", seconds=1)
    assert servers.wait_for(lambda: job_runs("last"))

    worker.stop()  # SIGTERM; waits for the process to exit, and fails unless it exits 0

    assert job_runs("last")[0]["finished"] is not None
    assert not ProcrastinateJob.objects.filter(pk=job_id).exists()  # succeeded, then deleted

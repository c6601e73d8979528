"""The web processes queue jobs through PgBouncer in transaction mode; only workers need the
direct connection."""

import os
import subprocess
import sys

from tests.proofs import servers
from tests.proofs.jobs.conftest import wait_until_done

DEFER_IN_A_TRANSACTION = """
from django.db import transaction
from tests.proofs.jobs import tasks
with transaction.atomic():
    tasks.note_run.defer(label="through pgbouncer")
"""


def test_a_job_queued_through_pgbouncer_is_run_by_a_worker(worker, job_runs):
    with servers.pgbouncer(servers.runtime_dir(), servers.database_url()) as pgbouncer:
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", DEFER_IN_A_TRANSACTION],
            cwd=servers.PROJECT_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "DATABASE_URL": servers.database_url(port=pgbouncer.port),
            },
            check=True,
            capture_output=True,
        )

    assert wait_until_done(timeout=10)
    assert [run["label"] for run in job_runs()] == ["through pgbouncer"]

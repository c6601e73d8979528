"""Real workers (`manage.py worker` processes) on the test database, with intervals short
enough for a stalled job to be recovered, or a failed one retried, within seconds."""

import sys

import pytest
from django.db import connection
from mirakuru import SimpleExecutor
from procrastinate.contrib.django.models import ProcrastinateJob, ProcrastinateWorker

from tests.proofs import servers
from tests.proofs.jobs import tasks

# A heartbeat every 0.5 s; dead after 2 s without one; stalled jobs looked for every second.
TIMINGS = {
    "TASKS_HEARTBEAT_SECONDS": "0.5",
    "TASKS_STALLED_SECONDS": "2",
    "TASKS_RECOVERY_SECONDS": "1",
    "TASKS_SHUTDOWN_SECONDS": "5",
    "TASKS_CONCURRENCY": "2",
}
# The longest a killed worker's job waits to be queued again, with these timings.
RECOVERY_SECONDS = 2 + 1 + 1
# Names the workers' connections in pg_stat_activity.
APPLICATION_NAME = "proof-worker"


class Workers:
    """Worker processes kept for a whole module: starting one imports Django (seconds)."""

    def __init__(self):
        self.directory = servers.runtime_dir()
        self.executors: list[SimpleExecutor] = []

    def running(self, count: int) -> list[SimpleExecutor]:
        """`count` running workers, after starting (at once) any that an earlier test ended."""
        self.executors = [executor for executor in self.executors if executor.running()]
        before = registered()
        missing = count - len(self.executors)
        for index in range(missing):
            log = self.directory / f"worker-{len(self.executors)}-{index}.log"
            self.executors.append(self.start(log))
        if missing > 0:
            assert servers.wait_for(lambda: len(registered() - before) >= missing, timeout=60), (
                f"workers did not register; see {self.directory}"
            )
        return self.executors[:count]

    @staticmethod
    def start(log) -> SimpleExecutor:
        env = {
            # The test settings, with the tasks of tasks.py.
            "DJANGO_SETTINGS_MODULE": "tests.proofs.jobs.settings",
            # The test database, directly: workers LISTEN.
            "DATABASE_URL": servers.database_url(),
            "PGAPPNAME": APPLICATION_NAME,
            "WORKER_METRICS_PORT": "0",
            **TIMINGS,
        }
        return SimpleExecutor(
            [sys.executable, "manage.py", "worker"],
            cwd=str(servers.PROJECT_DIR),
            envvars=env,
            stdout=log.open("ab"),
            stderr=-2,  # subprocess.STDOUT
        ).start()

    def kill_all(self) -> None:
        """Kill every worker, and end what their connections left open: a transaction of a
        killed worker must not hold a lock that the next test's cleanup waits for."""
        for executor in self.executors:
            executor.kill()
        end_worker_connections()


def end_worker_connections() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [APPLICATION_NAME],
        )


def registered() -> set[int]:
    return set(ProcrastinateWorker.objects.values_list("id", flat=True))


@pytest.fixture(scope="module")
def worker_pool(django_db_blocker):
    workers = Workers()
    yield workers
    with django_db_blocker.unblock():
        workers.kill_all()


@pytest.fixture
def job_runs(transactional_db):
    """An empty queue and an empty log of runs (tasks.runs reads it). Jobs are committed, so
    that workers see them: these tests use transactional_db, whose flush leaves Procrastinate's
    tables alone (Django does not manage them).

    DELETE, not TRUNCATE: the workers of the module keep running, and TRUNCATE's exclusive
    locks, taken table by table, deadlock with a worker's transaction that holds one of them.
    """
    tasks.create_table()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    return tasks.runs


@pytest.fixture
def workers(worker_pool, job_runs) -> list[SimpleExecutor]:
    """Two running workers; .stop() sends SIGTERM and waits, .kill() is a crash."""
    return worker_pool.running(2)


@pytest.fixture
def worker(worker_pool, job_runs) -> SimpleExecutor:
    """One running worker, the first of `workers`."""
    return worker_pool.running(1)[0]


def wait_until_done(timeout: float) -> bool:
    """Wait until no job is waiting or running; True if that happened in time."""
    return servers.wait_for(
        lambda: (
            not ProcrastinateJob.objects.filter(status__in=["todo", "doing"])
            # The workers' own periodic check is queued every second.
            .exclude(task_name__endswith=".retry_stalled_jobs")
            .exists()
        ),
        timeout=timeout,
    )

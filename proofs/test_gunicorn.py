"""gunicorn.conf.py, read by gunicorn itself, under the environment a deployment gives it."""

import multiprocessing
import os
import signal
import time

import pytest
from gunicorn.app.base import Application
from gunicorn.workers import gthread

from tests.proofs import servers
from tests.proofs.servers import PROJECT_DIR

# Sync workers hold one persistent connection each; the others overlap I/O on 2 threads.
EXPECTED_THREADS = {{ 1 if cookiecutter.db_pooling == "persistent" else 2 }}


class ConfigFile(Application):
    """gunicorn's own loader, without a command line or an app to load."""

    def load_config(self):
        self.load_config_from_file(str(PROJECT_DIR / "gunicorn.conf.py"))

    def load(self):
        raise NotImplementedError


@pytest.fixture
def load(monkeypatch):
    def load(**env):
        # The file sets variables (PROMETHEUS_MULTIPROC_DIR): keep them out of this process.
        monkeypatch.setattr(os, "environ", {**os.environ, **env})
        return ConfigFile().cfg

    return load


def test_workers_come_from_web_concurrency(load):
    assert load(WEB_CONCURRENCY="3").workers == 3


def test_without_web_concurrency_two_workers_per_core_plus_one(load, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert load().workers == 2 * multiprocessing.cpu_count() + 1


def test_threads_and_worker_class_match_how_connections_are_reused(load):
    config = load()
    assert config.threads == EXPECTED_THREADS
    if EXPECTED_THREADS == 1:
        assert config.worker_class_str == "sync"
    else:
        assert issubclass(config.worker_class, gthread.ThreadWorker)


def test_workers_are_recycled_at_staggered_moments(load):
    config = load()
    assert config.max_requests > 0
    assert 0 < config.max_requests_jitter < config.max_requests
    assert load(GUNICORN_MAX_REQUESTS="500").max_requests == 500


def test_workers_are_forked_from_a_master_that_imported_the_app(load):
    assert load().preload_app is True
    assert load(GUNICORN_PRELOAD="false").preload_app is False


def test_it_runs_in_a_read_only_non_root_container(load):
    config = load()
    assert config.worker_tmp_dir == "/dev/shm"  # noqa: S108 (tmpfs for heartbeats)
    assert config.control_socket_disable is True


# The project's gunicorn.conf.py, with workers that take 3 s to boot after its post_fork, as
# one does while it starts what the project starts in each worker.
SLOW_BOOT = """
import time

exec(open({config!r}).read())

project_post_fork = post_fork


def post_fork(server, worker):
    project_post_fork(server, worker)
    time.sleep(3)
"""


def test_a_stop_does_not_wait_for_a_worker_that_is_still_booting(load, tmp_path):
    config = tmp_path / "slow_boot.py"
    config.write_text(SLOW_BOOT.format(config=str(PROJECT_DIR / "gunicorn.conf.py")))
    directory = servers.runtime_dir()
    env = {
        "GUNICORN_CMD_ARGS": f"--config {config}",
        # The start's health check is the worker's last request: a new one boots after it.
        "GUNICORN_MAX_REQUESTS": "1",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
    }
    web = servers.gunicorn(directory, env).start()
    try:
        log = directory / f"web-{web.port}.log"
        assert servers.wait_for(lambda: log.read_text().count("Booting worker") == 2)
        started = time.monotonic()
        # As a container runtime stops it: SIGTERM to the master alone.
        os.kill(web.process.pid, signal.SIGTERM)
        web.process.wait(timeout=60)
        stopped_in = time.monotonic() - started
    finally:
        web.kill()

    # Lost, the SIGTERM left the master waiting graceful_timeout, then SIGKILL for the worker.
    assert stopped_in < load().graceful_timeout / 2
    assert "SIGKILL" not in log.read_text()

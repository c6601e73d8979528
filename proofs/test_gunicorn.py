"""gunicorn.conf.py, read by gunicorn itself, under the environment a deployment gives it."""

import multiprocessing
import os

import pytest
from gunicorn.app.base import Application
from gunicorn.workers import gthread

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

"""The production topology on this machine, for tests that break parts of it.

scripts/topology.py starts{% if cookiecutter.db_pooling == "pgbouncer" %} PgBouncer,{% endif %} two gunicorn instances of this project and nginx in
front of them, from the same config files compose uses, on free ports, against the test
database. Redis is private too: a cache Redis and a sessions Redis started here, as in compose,
so a test may stop one without touching anyone else's.

One topology serves the whole package (starting it takes about two seconds); each test gets it
with every part running, whatever the test before it broke, and with both Redis empty.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
{%- if cookiecutter.db_pooling == "pgbouncer" %}
from urllib.parse import urlsplit, urlunsplit
{%- endif %}

import pytest
import redis

from scripts.topology import DEFAULT_DIRECT_URL, Topology, free_port, wait_for_port

from tests.servers import database_url

from .credentials import log_in
from .useragent import UserAgent


class RedisServer:
    """A redis-server of the tests' own, on a free port, with no persistence."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 5) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (Debian: apt-get install redis-server)")
        # No persistence: a restart starts empty, like compose's cache Redis.
        command = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for_port("127.0.0.1", self.port, timeout):
            self.stop()
            pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self, timeout: float = 5) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)


@pytest.fixture(scope="package")
def runtime_dir():
    # Under /tmp with mode 755, not pytest's private tmp_path: PgBouncer runs as postgres and
    # nginx's workers as nobody when the suite runs as root, and they must reach their files.
    directory = Path(tempfile.mkdtemp(prefix="{{ cookiecutter.project_slug }}-topology-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="package")
def redis_servers(runtime_dir):
    """The cache's Redis and the sessions' Redis, separate instances as in compose."""
    servers = {}
    for role in ("cache", "sessions"):
        (runtime_dir / f"redis-{role}").mkdir()
        servers[role] = RedisServer(runtime_dir / f"redis-{role}")
    try:
        for server in servers.values():
            server.start()
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(scope="package")
def _topology(django_db_setup, redis_servers, runtime_dir):
    # The test database, which django_db_setup created.
    app_database_url = database_url()
{%- if cookiecutter.db_pooling == "pgbouncer" %}
    # Through a PgBouncer of the topology's own: restarting it cannot break the connection this
    # test process holds through `make test`'s PgBouncer.
    own = urlsplit(app_database_url)
    netloc = f"{own.netloc.rpartition(':')[0]}:{free_port()}"
    app_database_url = urlunsplit(own._replace(netloc=netloc))
{%- endif %}
    direct_url = os.environ.get("DATABASE_DIRECT_URL", DEFAULT_DIRECT_URL)
    topology = Topology(
        database_url=app_database_url,
        direct_url=direct_url,
        web_ports=[free_port(), free_port()],
        nginx_port=free_port(),
        state_dir=runtime_dir,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "REDIS_URL": redis_servers["cache"].url,
            "SESSION_REDIS_URL": redis_servers["sessions"].url,
            # The tests are about instances, not workers: one each boots (and reboots) fastest.
            "WEB_CONCURRENCY": "1",
            "GUNICORN_ACCESS_LOG": "",
        },
    )
    with topology:
        yield topology


@pytest.fixture
def topology(_topology, redis_servers) -> Topology:
    """The running topology: what an earlier test stopped runs again, and Redis is empty."""
    for server in redis_servers.values():
        server.start()
        server.client().flushall()
    restarted = [web for web in _topology.web if web.pid() is None]
    _topology.up()
    if restarted:
        # nginx keeps an instance that failed out of rotation for fail_timeout (5 s): a fresh
        # nginx puts it back at once.
        _topology.nginx.down()
        _topology.nginx.up()
    return _topology


@pytest.fixture
def logged_in(topology, user, password) -> UserAgent:
    """A client logged in as `user` through the first instance."""
    agent = UserAgent()
    log_in(agent, topology.web[0].url, user.username, password)
    return agent

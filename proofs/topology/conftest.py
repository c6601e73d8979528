"""The production topology on this machine, for tests that break parts of it: two gunicorn
instances of this project behind nginx (deploy/nginx/nginx.conf), PgBouncer in front of
PostgreSQL when the project uses it (deploy/pgbouncer/pgbouncer.ini), and Redis servers of the
tests' own, the cache's and the sessions', as in compose, so that a test may stop one.

One topology serves the package (it starts in about two seconds); each test gets it with every
part running, whatever the test before it broke, and with both Redis empty.
"""

import contextlib
import shutil
from dataclasses import dataclass

import httpx
import pytest
import redis
from mirakuru import Executor

from tests.proofs import servers
from tests.proofs.login import log_in

# How long nginx may keep a public answer, in this topology.
PUBLIC_CACHE_SECONDS = 2


@dataclass
class Topology:
    web: list[Executor]
    nginx: Executor
    cache: Executor
    state: Executor
    pgbouncer: Executor | None

    @property
    def url(self) -> str:
        return self.nginx.base_url

    def parts(self) -> list[Executor]:
        return [p for p in (self.cache, self.state, self.pgbouncer, *self.web, self.nginx) if p]


@pytest.fixture(scope="package")
def _topology(django_db_setup):
    directory = servers.runtime_dir()
    # compose's two: the cache evicts the least recently used of its keys that expire (a test
    # lowers its maxmemory to fill it), the state never evicts.
    cache = servers.redis_server(
        directory, "--maxmemory", "8mb", "--maxmemory-policy", "volatile-lru"
    )
    state = servers.redis_server(directory, "--maxmemory-policy", "noeviction")
    pgbouncer = None
    database_url = servers.database_url()
    if (servers.DEPLOY_DIR / "pgbouncer" / "pgbouncer.ini").exists():
        pgbouncer = servers.pgbouncer(directory, database_url)
        database_url = servers.database_url(port=pgbouncer.port)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": cache.url,
        "STATE_REDIS_URL": state.url,
        # nginx keeps public answers this long: short, so that a test sees them expire.
        "PUBLIC_CACHE_SECONDS": str(PUBLIC_CACHE_SECONDS),
        "PUBLIC_STALE_SECONDS": "5",
    }
    web = [servers.gunicorn(directory, env) for _ in range(2)]
    nginx = servers.nginx(directory, [instance.port for instance in web])
    topology = Topology(web, nginx, cache, state, pgbouncer)
    with contextlib.ExitStack() as running:
        for part in topology.parts():
            running.enter_context(part)
        yield topology


@pytest.fixture
def topology(_topology) -> Topology:
    """The running topology: what an earlier test stopped runs again, and Redis and nginx's
    cache are empty."""
    restarted = False
    for part in _topology.parts():
        if not part.running():
            part.start()
            restarted = True
    cache = _topology.nginx.cache_dir
    if restarted or (cache.exists() and any(cache.iterdir())):
        # A fresh nginx puts back at once an instance that failed (it keeps one out of
        # rotation for fail_timeout, 5 s), and starts with an empty cache.
        _topology.nginx.stop()
        shutil.rmtree(cache, ignore_errors=True)
        _topology.nginx.start()
    for server in (_topology.cache, _topology.state):
        redis.Redis.from_url(server.url).flushall()
    return _topology


@pytest.fixture
def http():
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def past_nginx_cache():
    """A client whose requests always reach an instance: nginx neither serves nor stores an
    answer to a request with a cookie, so what answers is the app and its own cache."""
    # A new connection per request: nginx's reload closes kept-alive ones (the drained restart).
    no_keepalive = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(timeout=10, cookies={"visitor": "1"}, limits=no_keepalive) as client:
        yield client


@pytest.fixture
def logged_in(topology, user, password):
    """A client logged in as `user` through the first instance."""
    with httpx.Client(timeout=10) as client:
        log_in(client, topology.web[0].base_url, user.username, password)
        yield client

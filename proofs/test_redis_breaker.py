"""A hung Redis costs a request milliseconds, as a dead one does, after the first timeout."""

import os
import signal
import time

import pytest
from django.test import override_settings

from {{ cookiecutter.project_slug }}.core import redis_breaker

from tests.proofs.servers import redis_server, runtime_dir

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/"  # authenticated: its throttle counts each request in Redis


@pytest.fixture
def own_redis(settings):
    """A redis-server of this test's own, as every cache (the throttle's counters included);
    the breaker closed before and after."""
    server = redis_server(runtime_dir())
    server.start()
    redis_breaker._open_until.clear()
    caches = {alias: {**cache, "LOCATION": server.url} for alias, cache in settings.CACHES.items()}
    try:
        with override_settings(CACHES=caches):
            yield server
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()
        redis_breaker._open_until.clear()


@pytest.fixture
def hung(own_redis):
    """Stops the Redis process: it keeps accepting connections and never answers."""

    def hang():
        os.kill(own_redis.process.pid, signal.SIGSTOP)

    return hang


def timed_get(client) -> tuple[int, float]:
    started = time.perf_counter()
    response = client.get(URL)
    return response.status_code, time.perf_counter() - started


def test_after_one_timeout_requests_skip_a_hung_redis(api_client, user, own_redis, hung):
    api_client.force_authenticate(user)
    assert timed_get(api_client)[0] == 200  # connected while Redis answered
    hung()

    # The control: the first request waits for the socket timeout, so Redis does hang.
    status, first = timed_get(api_client)
    later = [timed_get(api_client) for _ in range(5)]

    assert status == 200
    assert 0.5 <= first < 1.0
    assert all(status == 200 for status, _ in later)
    # Well under one socket timeout (0.5 s) even on a busy machine: no request waits for it.
    assert max(seconds for _, seconds in later) < 0.3


def test_once_the_break_is_over_a_redis_that_answers_again_is_used(
    api_client, user, own_redis, hung, monkeypatch
):
    monkeypatch.setattr(redis_breaker, "BREAK_SECONDS", 0.2)
    api_client.force_authenticate(user)
    hung()
    timed_get(api_client)  # times out
    assert redis_breaker._open_until  # the breaker is open
    os.kill(own_redis.process.pid, signal.SIGCONT)
    time.sleep(0.3)

    assert timed_get(api_client)[0] == 200
    assert redis_breaker._open_until == {}  # closed by an answer from Redis

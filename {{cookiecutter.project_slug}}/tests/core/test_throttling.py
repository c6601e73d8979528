"""Every API request is counted against its client's rate, in Redis, in one round trip."""

import pytest
from django.core.cache import caches
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.core.api.throttling import COUNTERS

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.views")]


@pytest.fixture(autouse=True)
def rates(throttle_rates):
    """Low rates: 3 requests a minute anonymously, 5 for a user."""
    throttle_rates(anon="3/min", user="5/min")


def statuses(client, count, **headers):
    return [client.get("/open/", headers=headers).status_code for _ in range(count)]


def test_an_address_over_the_anonymous_rate_gets_429_saying_when_to_retry(api_client):
    assert statuses(api_client, 3, x_forwarded_for="203.0.113.7") == [200, 200, 200]

    response = api_client.get("/open/", headers={"x_forwarded_for": "203.0.113.7"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    # Each address has its own count.
    assert statuses(api_client, 1, x_forwarded_for="198.51.100.9") == [200]


def test_an_authenticated_client_is_counted_by_user_at_the_user_rate(api_client, user):
    api_client.force_authenticate(user)
    assert statuses(api_client, 6) == [200] * 5 + [429]
    # Not by address: the anonymous count of the same address is untouched.
    assert statuses(APIClient(), 1) == [200]


def test_a_client_has_one_counter_a_redis_key_that_expires_with_its_window(api_client):
    statuses(api_client, 2)

    # In the Redis that never evicts, not the cache's.
    counters = caches[COUNTERS]
    redis = get_redis_connection(COUNTERS)
    # This project's keys only: other projects may share the Redis database. "throttle*" holds
    # DRF's own throttles' keys too, were any of them configured.
    (key,) = redis.keys(counters.make_key("throttle*"))
    assert key.decode().startswith(counters.make_key("throttle:anon:"))
    assert int(redis.get(key)) == 2
    assert 0 < redis.ttl(key) <= 61


@pytest.mark.usefixtures("redis_down")
def test_requests_pass_unthrottled_while_redis_is_down(api_client, caplog):
    assert statuses(api_client, 5) == [200] * 5
    assert "Throttling skipped: Redis is unreachable." in caplog.messages

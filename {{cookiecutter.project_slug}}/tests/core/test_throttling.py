"""Every API request is counted against its client's rate, in Redis, in one round trip."""

import pytest
from django.core.cache import cache
from django.urls import include, path
from django_redis import get_redis_connection
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.views import APIView

from {{ cookiecutter.project_slug }}.core.api.throttling import RequestRateThrottle


class OpenView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


# This module is also the URLconf of its tests: an open endpoint beside the project's URLs.
urlpatterns = [path("open/", OpenView.as_view()), path("", include("config.urls"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def rates(settings):
    """Low rates: 3 requests a minute anonymously, 5 for a user."""
    low = {"anon": "3/min", "user": "5/min"}
    # Through the settings fixture, as redis_down does: overrides stacked from two mechanisms
    # unwind out of order and would leave these rates to the tests after.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": low}


def statuses(client, count, **headers):
    return [client.get("/open/", headers=headers).status_code for _ in range(count)]


def test_the_project_throttles_with_one_counter_per_client():
    throttles = api_settings.DEFAULT_THROTTLE_CLASSES
    assert throttles == [RequestRateThrottle]


@pytest.mark.usefixtures("rates")
def test_an_anonymous_client_over_its_rate_gets_429_saying_when_to_retry(api_client):
    assert statuses(api_client, 3) == [200, 200, 200]

    response = api_client.get("/open/")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


@pytest.mark.usefixtures("rates")
def test_each_address_has_its_own_count(api_client):
    assert statuses(api_client, 4, x_forwarded_for="203.0.113.7") == [200, 200, 200, 429]
    assert statuses(api_client, 1, x_forwarded_for="198.51.100.9") == [200]


@pytest.mark.usefixtures("rates")
def test_an_authenticated_client_is_counted_by_user_at_the_user_rate(api_client, user):
    api_client.force_authenticate(user)
    assert statuses(api_client, 6) == [200] * 5 + [429]
    # Not by address: the anonymous count of the same address is untouched.
    assert statuses(APIClient(), 1) == [200]


@pytest.mark.usefixtures("rates")
def test_the_counter_is_one_redis_key_that_expires_with_its_window(api_client):
    statuses(api_client, 2)

    redis = get_redis_connection("default")
    # This project's keys only: other projects may share the Redis database.
    (key,) = redis.keys(cache.make_key("throttle:anon:*"))
    assert int(redis.get(key)) == 2
    assert 0 < redis.ttl(key) <= 61


@pytest.mark.usefixtures("rates", "redis_down")
def test_requests_pass_unthrottled_while_redis_is_down(api_client, caplog):
    assert statuses(api_client, 5) == [200] * 5
    assert "Throttling skipped: Redis is unreachable." in caplog.messages

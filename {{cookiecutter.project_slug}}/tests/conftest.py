import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.cache import caches
from django_redis.cache import RedisCache
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: only this project's keys in the test Redis database."""
    for alias in settings.CACHES:
        cache = caches[alias]
        assert isinstance(cache, RedisCache)
        cache.delete_pattern("*")


@pytest.fixture
def redis_down(settings) -> None:
    """Every cache pointed at a port where no Redis listens, for the rest of the test."""
    settings.CACHES = {
        alias: {**cache, "LOCATION": "redis://127.0.0.1:1/0"}
        for alias, cache in settings.CACHES.items()
    }


@pytest.fixture
def throttle_rates(settings) -> Callable[..., None]:
    """Sets the rates of some throttle scopes, as in `throttle_rates(anon="3/min")`.

    The counters are per fixed minute (core/api/throttling.py): a test that counts requests
    against a rate starts at least five seconds before a minute ends, so that its requests all
    fall in one window. Through the settings fixture, as redis_down: overrides stacked from two
    mechanisms would unwind out of order and leave these rates to the tests after.
    """

    def set_rates(**rates: str) -> None:
        rest = settings.REST_FRAMEWORK
        every = {**rest["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": every}
        seconds_left = 60 - time.time() % 60
        if seconds_left < 5:
            time.sleep(seconds_left)

    return set_rates


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="bob", password=PASSWORD)

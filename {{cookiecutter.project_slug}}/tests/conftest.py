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

import json

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def unreachable_redis_caches(settings) -> dict:
    """The configured caches, every one pointed at a port where no Redis listens."""
    return {
        alias: {**cache, "LOCATION": "redis://127.0.0.1:1/0"}
        for alias, cache in settings.CACHES.items()
    }


def test_healthz_answers_without_touching_database_or_redis(
    client, django_assert_num_queries, settings
):
    with (
        override_settings(CACHES=unreachable_redis_caches(settings)),
        django_assert_num_queries(0),
    ):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_database_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == "ok"


def test_readyz_answers_503_naming_redis_when_redis_is_unreachable(client, settings):
    with override_settings(CACHES=unreachable_redis_caches(settings)):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert "redis" in body["failed"]
    assert "database" not in body["failed"]
    assert body["database"] == "ok"

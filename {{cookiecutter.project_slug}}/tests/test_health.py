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


def test_readyz_is_degraded_but_ready_while_redis_is_unreachable(client, settings):
    # Every replica shares the cache: a 503 would empty the load balancer, while reads can
    # come from the database.
    with override_settings(CACHES=unreachable_redis_caches(settings)):
        response = client.get("/readyz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "degraded"
    assert "redis" in body["degraded"]
    assert body["database"] == "ok"

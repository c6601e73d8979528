import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("redis_down")
def test_healthz_answers_without_touching_database_or_redis(client, django_assert_num_queries):
    with django_assert_num_queries(0):
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


@pytest.mark.usefixtures("redis_down")
def test_readyz_is_degraded_but_ready_while_redis_is_unreachable(client):
    # Every replica shares the cache: a 503 would empty the load balancer, while reads can
    # come from the database.
    response = client.get("/readyz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "degraded"
    assert "redis" in body["degraded"]
    assert body["database"] == "ok"

"""/healthz says the process is up without touching anything; /readyz checks the database and
Redis, and stays ready, degraded, while Redis is down."""

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
    assert (body["status"], body["database"], body["redis"]) == ("ok", "ok", "ok")


@pytest.mark.usefixtures("redis_down")
def test_readyz_is_degraded_but_ready_while_redis_is_unreachable(client):
    # Every replica shares the cache: a 503 would empty the load balancer, while reads can
    # come from the database.
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("degraded", "ok")
    assert "redis" in body["degraded"]

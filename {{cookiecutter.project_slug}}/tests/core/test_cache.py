import logging

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection
from django_redis.exceptions import ConnectionInterrupted


def test_cache_round_trips_through_redis():
    cache.set("greeting", {"hello": "world"}, timeout=30)

    assert cache.get("greeting") == {"hello": "world"}
    raw_key = cache.make_key("greeting")
    redis = get_redis_connection("default")
    assert redis.exists(raw_key) == 1
    assert 0 < redis.ttl(raw_key) <= 30


def test_cache_keys_carry_the_project_prefix():
    cache.set("k", 1)
    assert cache.make_key("k").startswith("{{ cookiecutter.project_slug }}:")


@pytest.mark.usefixtures("redis_down")
def test_a_redis_outage_degrades_to_cache_misses_not_errors(caplog):
    with caplog.at_level(logging.ERROR, logger="django_redis.cache"):
        cache.set("k", 1)
        assert cache.get("k", "fallback") == "fallback"
    # Ignored, but never silent: each swallowed error is logged with its traceback.
    errors = [record for record in caplog.records if record.exc_info]
    assert len(errors) == 2
    assert all(isinstance(r.exc_info[1], ConnectionInterrupted) for r in errors)


@pytest.mark.django_db
@pytest.mark.usefixtures("redis_down")
def test_an_api_read_still_answers_while_redis_is_down(api_client, user):
    api_client.force_authenticate(user)
    response = api_client.get("/api/v1/me/")
    # The throttle cannot reach its counters and lets the request through.
    assert response.status_code == 200
    assert response.json()["username"] == user.username

"""The cache holds this project's keys in Redis, and a Redis outage turns into cache misses,
each one logged, never into errors."""

import logging

import pytest
from django.core.cache import cache
from django_redis.exceptions import ConnectionInterrupted


def test_cache_keys_carry_the_project_prefix():
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

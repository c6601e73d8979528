"""A flood of distinct pages fills the cache's Redis until it evicts, and what it evicts is
pages. The rate-limit counters{% if cookiecutter.__sessions == "yes" %} and the sessions{% endif %} are in the state Redis, which never
evicts; the catalog version is in the cache, but never expires, and the cache's volatile-lru
only evicts keys that do."""

import httpx
import pytest
import redis

pytestmark = pytest.mark.django_db(transaction=True)

# Room for about a thousand empty pages above what the cache's Redis holds before the flood.
ROOM = 256 * 1024
MOST_REQUESTS = 20_000


def keys(server) -> set[bytes]:
    return set(redis.Redis.from_url(server.url).keys())


def test_a_flood_of_distinct_pages_evicts_pages_only(topology, logged_in):
    instance = topology.web[0].base_url
    cache = redis.Redis.from_url(topology.cache.url)
    with httpx.Client(timeout=10) as http:
        assert http.get(f"{instance}/api/v1/products/").status_code == 200
        (version_key,) = cache.keys("*catalog:version")
        version = cache.get(version_key)
        state_before = keys(topology.state)
        assert state_before  # the control: counters{% if cookiecutter.__sessions == "yes" %} and a session{% endif %} to keep

        limit = cache.info("memory")["used_memory"] + ROOM
        cache.config_set("maxmemory", limit)
        try:
            # Each category a slug no product has: a valid, distinct, cacheable page.
            for i in range(MOST_REQUESTS):
                response = http.get(f"{instance}/api/v1/products/", params={"category": f"f{i}"})
                assert response.status_code == 200
                if i % 100 == 0 and cache.info("stats")["evicted_keys"] > 500:
                    break
            evicted = cache.info("stats")["evicted_keys"]
        finally:
            cache.config_set("maxmemory", "8mb")

    assert evicted > 500
    assert cache.get(version_key) == version
    # Every key is still there (and the flood's own requests were counted).
    assert state_before <= keys(topology.state)
    assert redis.Redis.from_url(topology.state.url).info("stats")["evicted_keys"] == 0
    assert logged_in.get(f"{instance}/api/v1/me/").status_code == 200

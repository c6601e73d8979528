"""Sessions live in Redis, not in a database table, so any web process serves any user."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django_redis import get_redis_connection

pytestmark = pytest.mark.django_db


def test_a_logged_in_session_is_stored_in_the_sessions_redis(client, user):
    client.force_login(user)

    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    cache = caches[settings.SESSION_CACHE_ALIAS]
    key = cache.make_key(f"django.contrib.sessions.cache{session_key}")
    redis = get_redis_connection(settings.SESSION_CACHE_ALIAS)
    assert redis.exists(key) == 1
    assert redis.ttl(key) > 0


def test_there_is_no_session_table():
    assert "django_session" not in connection.introspection.table_names()


def test_session_errors_are_raised_not_ignored():
    # A cache miss is harmless; a lost session logs the user out. Only the cache ignores errors.
    options = settings.CACHES[settings.SESSION_CACHE_ALIAS]["OPTIONS"]
    assert not options.get("IGNORE_EXCEPTIONS", False)

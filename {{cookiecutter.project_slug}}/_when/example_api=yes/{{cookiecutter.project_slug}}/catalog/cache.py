"""Cached catalog responses, invalidated by a version key rather than by finding and deleting keys.

Each cached response is stored with the catalog version it was computed under. A product
write replaces the version once its transaction has committed, and from then on every stored
response is stale: one Redis SET invalidates every cached page and filter combination at
once, without a KEYS/SCAN over the keyspace. A stale entry is recomputed and overwritten by
its next reader.

What is stored is the response body itself, the bytes sent to the client, after the version
and a newline: a hit sends them as they are, with nothing to unpickle or render. A hit costs
one round trip, which also counts the request against the throttle (anonymous_page).

Why readers never cache stale data as fresh: a reader fetches the version before it queries
the database, and a writer replaces the version after its commit. A reader that sees the new
version therefore reads the committed rows; one that read old rows stores them under the old
version, which no longer matches. With a read replica, the version also names the primary's
WAL position after the write, and a reader whose replica has not replayed that far reads the
primary (database_for).
"""

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.http import HttpRequest
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from ..core.throttling import count_and_read

logger = logging.getLogger(__name__)

VERSION_KEY = "catalog:version"
# Invalidation is exact, so the TTL only bounds the memory held by responses nobody asks for.
TIMEOUT = 300
REPLICA = "replica"


@dataclass(frozen=True, slots=True)
class Lookup:
    key: str
    # None while Redis is unreachable: nothing is cached then.
    version: bytes | None
    # The stored body, when it was computed under `version`.
    body: bytes | None


def anonymous_page(request: HttpRequest) -> Lookup:
    """This anonymous products page from Redis, and the request counted against the "anon"
    rate, in one round trip. A body only when it is current and the client within its rate.
    The lookup stays on the request for products_page, should DRF's dispatch run after all."""
    key = _raw_key("catalog:products:" + _url_hash(request))
    read = count_and_read(request, [_raw_key(VERSION_KEY), key])
    if read is None:
        lookup = Lookup(key, None, None)
    else:
        allowed, (version, stored) = read
        lookup = _lookup(key, version, stored)
        if not allowed:
            lookup = Lookup(key, lookup.version, None)
    request.catalog_lookup = lookup
    return lookup


def products_page(request: HttpRequest) -> Lookup:
    """The lookup anonymous_page made for this request, or a new one (one round trip)."""
    lookup = getattr(request, "catalog_lookup", None)
    if lookup is None:
        lookup = _read(_raw_key("catalog:products:" + _url_hash(request)))
    return lookup


def cached(name: str, compute: Callable[[str | None], bytes]) -> bytes:
    """compute(database)'s body, from Redis when it was stored under the current version."""
    lookup = _read(_raw_key(name))
    if lookup.body is not None:
        return lookup.body
    body = compute(database_for(lookup.version))
    store(lookup, body)
    return body


def store(lookup: Lookup, body: bytes) -> None:
    if lookup.version is None:
        return
    try:
        _redis().set(lookup.key, lookup.version + b"\n" + body, ex=TIMEOUT)
    except RedisError:
        logger.warning("Response not cached: Redis is unreachable.", exc_info=True)


def invalidate() -> None:
    """Forget every cached catalog response once the current transaction commits."""

    def replace():
        try:
            _redis().set(_raw_key(VERSION_KEY), _new_version())
        except RedisError:
            # Nothing could be read from Redis either: the stale entries expire with TIMEOUT.
            logger.exception("Catalog version not replaced: Redis is unreachable.")

    transaction.on_commit(replace)


def database_for(version: bytes | None) -> str | None:
    """The database a reader must compute under `version` from: None for the router's choice,
    or the primary while the replica has not replayed the write that set the version."""
    position = (version or b"").partition(b"@")[2]
    if not position or REPLICA not in connections:
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position.decode()])
            (replayed,) = cursor.fetchone()
    except Error:
        return DEFAULT_DB_ALIAS
    return None if replayed else DEFAULT_DB_ALIAS


def _new_version() -> bytes:
    """A random version, which can never match responses stored under an earlier one; with a
    replica, followed by the primary's WAL position, which covers every committed write."""
    version = uuid.uuid4().hex
    if REPLICA in connections:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            version += f"@{cursor.fetchone()[0]}"
    return version.encode()


def _read(key: str) -> Lookup:
    try:
        version, stored = _redis().mget([_raw_key(VERSION_KEY), key])
    except RedisError:
        logger.warning("Cache skipped: Redis is unreachable.", exc_info=True)
        return Lookup(key, None, None)
    return _lookup(key, version, stored)


def _lookup(key: str, version: bytes | None, stored: bytes | None) -> Lookup:
    if version is None:  # a catalog without a version, after a flush or an eviction
        version = _fresh_version()
        if version is None:
            return Lookup(key, None, None)
    if stored is not None and stored.startswith(version + b"\n"):
        return Lookup(key, version, stored[len(version) + 1 :])
    return Lookup(key, version, None)


def _fresh_version() -> bytes | None:
    """A version for a catalog that has none; if two processes race, SET NX keeps one."""
    key, version = _raw_key(VERSION_KEY), _new_version()
    try:
        if _redis().set(key, version, nx=True):
            return version
        return _redis().get(key)
    except RedisError:
        return None


def _url_hash(request: HttpRequest) -> str:
    # The host is part of the key: pagination links in the cached body are absolute URLs.
    url = f"{request.get_host()}{request.get_full_path()}"
    return hashlib.sha256(url.encode()).hexdigest()


def _raw_key(name: str) -> str:
    # The cache's own prefix, so that the keys are the project's, but written without pickling.
    return cache.make_key(name)


def _redis():
    return get_redis_connection("default")

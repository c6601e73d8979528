"""Cached catalog reads, invalidated by a version key rather than by finding and deleting keys.

Each cached response is stored with the catalog version it was computed under. A product
write replaces the version once its transaction has committed, and from then on every stored
response is stale: one Redis SET invalidates every cached page and filter combination at
once, without a KEYS/SCAN over the keyspace. A stale entry is recomputed and overwritten by
its next reader.

A hit costs one round trip: the version and the response are fetched together (MGET).

Why readers never cache stale data as fresh: a reader fetches the version before it queries
the database, and a writer replaces the version after its commit. A reader that sees the new
version therefore reads the committed rows; one that read old rows stores them under the old
version, which no longer matches.
"""

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from rest_framework.request import Request

VERSION_KEY = "catalog:version"
# Invalidation is exact, so the TTL only bounds the memory held by responses nobody asks for.
TIMEOUT = 300


def fresh_version() -> str | None:
    """A version for a catalog that has none (after a flush or an eviction); None while Redis
    is unreachable. A random version can never match responses stored under an earlier one;
    if two processes race, add() keeps one."""
    version = uuid.uuid4().hex
    return version if cache.add(VERSION_KEY, version, timeout=None) else cache.get(VERSION_KEY)


def invalidate() -> None:
    """Forget every cached catalog response once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


def request_key(prefix: str, request: Request) -> str:
    # The host is part of the key: pagination links in the cached body are absolute URLs.
    url = f"{request.get_host()}{request.get_full_path()}"
    return f"catalog:{prefix}:{hashlib.sha256(url.encode()).hexdigest()}"


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """compute()'s result, from Redis when it was stored under the current catalog version."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or fresh_version()
    if version is None:  # Redis is unreachable: nothing is cached
        return compute()
    stored = found.get(key)
    if stored is not None and stored[0] == version:
        return stored[1]
    data = compute()
    cache.set(key, (version, data), timeout=TIMEOUT)
    return data

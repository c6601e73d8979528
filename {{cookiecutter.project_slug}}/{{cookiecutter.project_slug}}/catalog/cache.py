"""Cached catalog reads, invalidated by a version key rather than by finding and deleting keys.

Every cached response's key carries the current catalog version. A product write replaces the
version once its transaction has committed, and from then on every reader computes keys that
nothing is stored under: one Redis SET invalidates every cached page and filter combination
at once, without a KEYS/SCAN over the keyspace. Orphaned entries expire with their TTL.

Why readers never cache stale data: a reader fetches the version before it queries the
database, and a writer replaces the version after its commit. A reader that sees the new
version therefore reads the committed rows; one that read old rows stores them under the old
version, which nobody asks for any more.
"""

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from rest_framework.request import Request

VERSION_KEY = "catalog:version"
# Invalidation is exact, so the TTL only bounds the memory that orphaned versions hold.
TIMEOUT = 300


def current_version() -> str | None:
    """The catalog's version; None while Redis is unreachable (then nothing is cached)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # First read after a flush or an eviction: a fresh random version can never collide
        # with keys stored under an earlier one. If two processes race, add() keeps one.
        fresh = uuid.uuid4().hex
        version = fresh if cache.add(VERSION_KEY, fresh, timeout=None) else cache.get(VERSION_KEY)
    return version


def invalidate() -> None:
    """Forget every cached catalog response once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


def request_key(prefix: str, request: Request) -> str:
    # The host is part of the key: pagination links in the cached body are absolute URLs.
    url = f"{request.get_host()}{request.get_full_path()}"
    return f"catalog:{prefix}:{hashlib.sha256(url.encode()).hexdigest()}"


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """compute()'s result, from Redis when this catalog version has it already."""
    version = current_version()
    if version is None:
        return compute()
    data = cache.get(key, version=version)
    if data is None:
        data = compute()
        cache.set(key, data, timeout=TIMEOUT, version=version)
    return data

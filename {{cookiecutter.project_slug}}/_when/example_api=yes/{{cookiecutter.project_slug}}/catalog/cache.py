"""Cached catalog responses, invalidated by a version key rather than by finding their keys.

Every cached response is stored beside the catalog version it was computed under. A product
write replaces the version once its transaction has committed, and from then on every stored
response is stale: one cache write invalidates every cached page and filter at once, without
scanning the keyspace. A stale entry is recomputed and overwritten by its next reader.

What is stored is the response body, the bytes sent to the client: a hit sends them as they
are, with nothing to render. Reading the version and the body is one round trip (get_many).
The version also makes the ETag: a client (or nginx) whose copy is current gets a 304, with
no SQL and nothing to render.

Why readers never cache stale data as fresh: a reader reads the version before it queries the
database, and a writer replaces the version after its commit. A reader that sees the new
version therefore reads the committed rows; one that read old rows stores them under the old
version, which no longer matches. With a read replica, the version also names the primary's
WAL position after the write, and a reader whose replica has not replayed that far reads the
primary (database_for).

While Redis is down the cache reads nothing and stores nothing (IGNORE_EXCEPTIONS): every
request is computed from the database.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from rest_framework.request import Request

from ..core.api.cache_control import public_for_anonymous

VERSION_KEY = "catalog:version"
# Invalidation is exact: the timeout only bounds the memory held by responses nobody asks for.
TIMEOUT = 300
REPLICA = "replica"


@dataclass(frozen=True)
class Cached:
    key: str
    # The catalog version the response must be computed under; None while Redis is down.
    version: str | None
    # The stored response, when it was computed under that version.
    body: bytes | None

    @property
    def etag(self) -> str | None:
        """Changes with the catalog and differs from URL to URL; none while Redis is down."""
        return None if self.version is None else f'"{self.version}.{self.key[-16:]}"'


def respond(request: Request, render: Callable[[str | None], bytes]) -> HttpResponse:
    """The answer to a catalog GET: a 304 when the client's copy is current, the stored body
    when there is one, or else render(database)'s, stored for the next reader."""
    cached = lookup(page_key(request))
    # DRF's Request passes on what Django's has: the conditional headers.
    response = get_conditional_response(cast(HttpRequest, request), etag=cached.etag)
    if response is None:
        body = cached.body
        if body is None:
            body = render(database_for(cached.version))
            store(cached, body)
        response = HttpResponse(body, content_type="application/json")
    if cached.etag is not None:
        response["ETag"] = cached.etag
    return public_for_anonymous(request, response)


def page_key(request: HttpRequest | Request) -> str:
    """One key per URL. The host and scheme are part of it: a page's links are absolute."""
    url = request.build_absolute_uri()
    return "catalog:page:" + hashlib.sha256(url.encode()).hexdigest()


def lookup(key: str) -> Cached:
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or _first_version()
    stored = found.get(key)
    if version is not None and stored is not None and stored[0] == version:
        return Cached(key, version, stored[1])
    return Cached(key, version, None)


def store(cached: Cached, body: bytes) -> None:
    if cached.version is not None:
        cache.set(cached.key, (cached.version, body), TIMEOUT)


def invalidate() -> None:
    """Forget every cached catalog response once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, _new_version(), timeout=None))


def database_for(version: str | None) -> str | None:
    """Where a response computed under `version` is read from: None for the router's choice,
    or the primary while the replica has not replayed the write that set the version."""
    position = (version or "").partition("@")[2]
    if not position or REPLICA not in connections:
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            (replayed,) = cursor.fetchone()
    except Error:
        return DEFAULT_DB_ALIAS
    return None if replayed else DEFAULT_DB_ALIAS


def _new_version() -> str:
    """A random version, which can never match responses stored under an earlier one; with a
    replica, followed by the primary's WAL position, which covers every committed write."""
    version = uuid.uuid4().hex
    if REPLICA in connections:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            version += f"@{cursor.fetchone()[0]}"
    return version


def _first_version() -> str | None:
    """A version for a catalog that has none (a flushed or evicted cache). If two processes
    race, add() keeps the first; None while Redis is down."""
    cache.add(VERSION_KEY, _new_version(), timeout=None)
    return cache.get(VERSION_KEY)

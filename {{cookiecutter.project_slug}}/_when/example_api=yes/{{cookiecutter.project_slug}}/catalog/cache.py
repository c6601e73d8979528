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
version, which no longer matches. With a read replica, the version is the primary's WAL
position after the write, and a reader whose replica has not replayed that far reads the
primary (database_for). Two writes may finish together and set their positions in either
order: the version only ever moves forward (raise_version), so it covers both.

A response is stored under its URL with only the query parameters its view reads, and the
release of the code (settings.RELEASE): a deploy that changes a response's shape never serves
the old release's bodies. A request with a parameter the view does not read is answered from
the database and not stored, so made-up parameters can neither fill the cache nor put
themselves in the links of a page that others are served.

While Redis is down the cache reads nothing and stores nothing (IGNORE_EXCEPTIONS): every
request is computed from the database.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, Error, connections, router, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.request import Request

from ..core.api.cache_control import public_for_anonymous
from .models import Product

logger = logging.getLogger(__name__)

VERSION_KEY = "catalog:version"
# Invalidation is exact: the timeout only bounds the memory held by responses nobody asks for.
TIMEOUT = 300
REPLICA = "replica"
# Sets the version to the position given, unless it holds a later one already.
RAISE_VERSION = """
local current = tonumber(redis.call('GET', KEYS[1]))
if not current or current < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], ARGV[1])
end
"""
Version = str | int


@dataclass(frozen=True)
class Cached:
    key: str
    # The catalog version the response must be computed under; None while Redis is down.
    version: Version | None
    # The stored response, when it was computed under that version.
    body: bytes | None

    @property
    def etag(self) -> str | None:
        """Changes with the catalog and differs from URL to URL; none while Redis is down."""
        return None if self.version is None else f'"{self.version}.{self.key[-16:]}"'


def respond(
    request: Request, render: Callable[[str | None], bytes], reads: Collection[str] = ()
) -> HttpResponse:
    """The answer to a catalog GET whose view reads the query parameters `reads`: a 304 when
    the client's copy is current, the stored body when there is one, or else
    render(database)'s, stored for the next reader."""
    if set(request.query_params) - set(reads):
        # A parameter the view does not read: not cached (see above), nor kept by nginx.
        return HttpResponse(render(None), content_type="application/json")
    cached = lookup(page_key(request, reads))
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


def page_key(request: Request, reads: Collection[str]) -> str:
    """One key per page: the host and scheme (a page's links are absolute), the path, the
    parameters the view reads in a fixed order, and the release."""
    query = request.query_params
    params = sorted((name, value) for name in reads for value in query.getlist(name))
    page = f"{settings.RELEASE} {request.build_absolute_uri(request.path)}?{urlencode(params)}"
    return "catalog:page:" + hashlib.sha256(page.encode()).hexdigest()


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
    transaction.on_commit(_replace_version)


def raise_version(position: int) -> None:
    """Move the version forward to this WAL position, never back."""
    try:
        get_redis_connection("default").eval(
            RAISE_VERSION, 1, cache.make_key(VERSION_KEY), position
        )
    except RedisError:
        logger.warning("Catalog version not replaced: Redis is unreachable.", exc_info=True)


def database_for(version: Version | None) -> str | None:
    """Where a response computed under `version` is read from: None for the router's choice,
    or the primary while the replica has not replayed the write that set the version."""
    if not isinstance(version, int) or router.db_for_read(Product) != REPLICA:
        # No replica, or the router reads from the primary anyway (the replica is not
        # answering, or this request wrote).
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() - '0/0' >= %s", [version])
            (replayed,) = cursor.fetchone()
    except Error:
        return DEFAULT_DB_ALIAS
    return None if replayed else DEFAULT_DB_ALIAS


def _replace_version() -> None:
    if REPLICA in connections:
        raise_version(_wal_position())
    else:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _wal_position() -> int:
    """The primary's WAL position, in bytes: it covers every write committed so far."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - '0/0'")
        return int(cursor.fetchone()[0])


def _first_version() -> Version | None:
    """A version for a catalog that has none (a flushed or evicted cache): random, or with a
    replica the primary's WAL position. If two processes race, add() keeps the first; None
    while Redis is down."""
    first = _wal_position() if REPLICA in connections else uuid.uuid4().hex
    cache.add(VERSION_KEY, first, timeout=None)
    return cache.get(VERSION_KEY)

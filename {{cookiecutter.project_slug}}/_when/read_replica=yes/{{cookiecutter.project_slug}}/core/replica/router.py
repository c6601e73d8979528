"""Reads go to the streaming replica, writes to the primary, and nobody misses their own write.

A replica replays the primary's WAL a little behind it, so a read sent there right after a
write may not find it. Three rules keep reads consistent:

- once a unit of work has written, its later reads go to the primary. A unit of work is a
  request (read_your_writes.ReadYourWritesMiddleware opens one per request) or any block in
  `routing_scope()`; outside one, the first write pins the rest of the thread to the primary;
- inside a transaction on the primary, reads stay there: they must see its uncommitted rows;
- a client that wrote in the last few seconds reads from the primary (the middleware's token).

A replica that has not answered for REPLICA_TIMEOUT_SECONDS gets no reads until it answers
again (ReplicaHealth), and no request ever waits to find that out.

Writes through an explicit `.using("default")` or a raw cursor bypass the router: they do not
pin. To read something just written that way, read it with `.using("default")` too.
"""

import contextlib
import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

REPLICA = "replica"


@dataclass
class RoutingScope:
    """What one unit of work has done so far, and so where its reads must go."""

    primary: bool = False
    wrote: bool = False


# Per thread and per asyncio task: concurrent requests never see each other's scope.
_scope: ContextVar[RoutingScope | None] = ContextVar("db_routing_scope", default=None)


@contextlib.contextmanager
def routing_scope(*, primary: bool = False) -> Iterator[RoutingScope]:
    """A unit of work (a request, a task, a command) with its own read-your-writes state.

    Threads are reused between requests (gunicorn's gthread workers), so a scope is always set
    and reset, never left behind for the next request on the same thread.
    """
    token = _scope.set(RoutingScope(primary=primary))
    try:
        yield _current_scope()
    finally:
        _scope.reset(token)


def _current_scope() -> RoutingScope:
    scope = _scope.get()
    if scope is None:
        scope = RoutingScope()
        _scope.set(scope)
    return scope


class ReplicaHealth:
    """Whether reads may go to the replica: it answered within the last REPLICA_TIMEOUT_SECONDS.

    A request only reads the time of the last answer. The asking is done by a thread of the
    process's own, at most twice per timeout and only while reads arrive, on a connection of
    its own. A standby that stops answering, whether it refuses connections, drops packets,
    or sits behind a PgBouncer that holds each query for it until query_wait_timeout, loses
    the reads within the timeout, whatever the probe is stuck on, and gets them back at the
    first probe it answers.
    """

    def __init__(self) -> None:
        self._answered_at = -math.inf
        self._answering = True  # what was last logged
        self._asked = threading.Event()
        self._prober_pid = 0
        self._lock = threading.Lock()

    def usable(self) -> bool:
        if REPLICA not in connections:
            return False
        silent_for = time.monotonic() - self._answered_at
        if silent_for > settings.REPLICA_TIMEOUT_SECONDS / 2:
            self._ask()
        return silent_for < settings.REPLICA_TIMEOUT_SECONDS

    def reset(self) -> None:
        """Forget the last answer: reads go to the primary until the replica answers again."""
        self._answered_at = -math.inf

    def _ask(self) -> None:
        # One prober per process, started by its first read: threads do not survive the fork
        # of a gunicorn worker, so a worker never inherits one.
        if self._prober_pid != os.getpid():
            with self._lock:
                if self._prober_pid != os.getpid():
                    self._asked = threading.Event()
                    threading.Thread(target=self._probe_when_asked, daemon=True).start()
                    self._prober_pid = os.getpid()
        self._asked.set()

    def _probe_when_asked(self) -> None:
        connection = None
        while True:
            self._asked.wait()
            self._asked.clear()
            # A connection of its own, so that a probe never holds a request's, made afresh if
            # the replica's settings change (the tests point it elsewhere).
            configured = connections.settings.get(REPLICA)
            if connection is not None and connection.settings_dict is not configured:
                connection.close()
                connection = None
            if configured is not None:
                connection = connection or connections.create_connection(REPLICA)
                self._probe(connection)
            # At most two probes per timeout, even while the replica fails at once.
            time.sleep(settings.REPLICA_TIMEOUT_SECONDS / 2)

    def _probe(self, connection: BaseDatabaseWrapper) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:  # whatever failed, the replica did not answer
            connection.close()
            if self._answering:
                logger.warning("Replica unavailable, reading from the primary: %s", exc)
            self._answering = False
            return
        self._answered_at = time.monotonic()
        if not self._answering:
            logger.info("Replica answers again, reading from it.")
        self._answering = True


replica_health = ReplicaHealth()


class PrimaryReplicaRouter:
    """Reads to the "replica" alias when it is configured and answers; writes to the primary."""

    def db_for_read(self, model, **hints) -> str:
        if (
            _current_scope().primary
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
            or not replica_health.usable()
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        scope = _current_scope()
        scope.wrote = scope.primary = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # A standby is read-only: it receives the schema by replication.
        return db != REPLICA

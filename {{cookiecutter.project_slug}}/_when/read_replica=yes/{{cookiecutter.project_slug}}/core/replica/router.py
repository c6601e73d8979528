"""Reads go to the streaming replica, writes to the primary, and nobody misses their own write.

A replica replays the primary's WAL a little behind it, so a read sent there right after a
write may not find it. Three rules keep reads consistent:

- once a unit of work has written, its later reads go to the primary. A unit of work is a
  request (read_your_writes.ReadYourWritesMiddleware opens one per request) or any block in
  `routing_scope()`; outside one, the first write pins the rest of the thread to the primary;
- inside a transaction on the primary, reads stay there: they must see its uncommitted rows;
- a client that wrote in the last few seconds reads from the primary (the middleware's token).

A replica that fails to connect is left alone for REPLICA_RETRY_SECONDS: reads go to the
primary meanwhile, and only the first read after each window pays a connect attempt.

Writes through an explicit `.using("default")` or a raw cursor bypass the router: they do not
pin. To read something just written that way, read it with `.using("default")` too.
"""

import contextlib
import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections

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
    """Whether reads may go to the replica, shared by the threads of one process."""

    def __init__(self) -> None:
        self._down_until = 0.0

    def usable(self) -> bool:
        if REPLICA not in connections or time.monotonic() < self._down_until:
            return False
        replica = connections[REPLICA]
        try:
            # At most one check per request (CONN_HEALTH_CHECKS, a system call), then nothing.
            replica.close_if_health_check_failed()
            replica.ensure_connection()
        except Error as exc:
            self._down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
            logger.warning(
                "Replica unavailable, reading from the primary for %s s: %s",
                settings.REPLICA_RETRY_SECONDS,
                exc,
            )
            return False
        return True

    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def reset(self) -> None:
        """Try the replica again at the next read."""
        self._down_until = 0.0


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

"""A circuit breaker for Redis: after a timeout, a process stops calling that Redis for a while.

A Redis that refuses connections fails each call in about a millisecond. One that hangs (a
stopped process, a black-holed network) accepts the connection and never answers: each call
waits for SOCKET_TIMEOUT (0.5 s), and an anonymous read calls Redis up to four times, so it
took 2 s. Here the first timeout opens the breaker for BREAK_SECONDS: until then, every call
to that server raises ConnectionError at once, as if it refused connections, and the callers
carry on without the cache as they do when Redis is down. Then one call is let through to
probe it; its success closes the breaker, its timeout opens it again.

Cost: a hung Redis costs each process one request of 0.5 s every BREAK_SECONDS, and a dict
lookup per command otherwise.
"""

import logging
import time

from redis import exceptions
from redis.connection import Connection, ConnectionPool, SSLConnection

logger = logging.getLogger(__name__)

BREAK_SECONDS = 5.0

# (host, port) -> the monotonic time until which that server is not called; shared by the
# threads of the process (a float written whole, so no lock is needed).
_open_until: dict[tuple[str, int], float] = {}


class BreakerConnection(Connection):
    """redis-py's connection, with the breaker; BreakerSSLConnection adds it to TLS's."""

    # True from the send of a probe to its answer, which may include the handshake of a new
    # connection (commands of their own).
    _probing = False

    def send_packed_command(self, command, check_health=True):
        address = (self.host, self.port)
        until = _open_until.get(address)
        if until is not None and not self._probing:
            now = time.monotonic()
            if now < until:
                raise exceptions.ConnectionError(f"Redis {address} timed out recently.")
            # This call probes the server; the others fail fast until it has an answer.
            _open_until[address] = now + BREAK_SECONDS
            self._probing = True
        try:
            return super().send_packed_command(command, check_health)
        except Exception as error:
            self._probing = False
            if isinstance(error, exceptions.TimeoutError):
                self._open(address)
            raise

    def read_response(self, *args, **kwargs):
        address = (self.host, self.port)
        try:
            response = super().read_response(*args, **kwargs)
        except exceptions.TimeoutError:
            self._open(address)
            raise
        finally:
            self._probing = False
        if address in _open_until and _open_until.pop(address, None) is not None:
            logger.warning("Redis %s:%s answers again.", *address)
        return response

    @staticmethod
    def _open(address: tuple[str, int]) -> None:
        _open_until[address] = time.monotonic() + BREAK_SECONDS
        logger.warning("Redis %s:%s timed out: not called for %s s.", *address, BREAK_SECONDS)


class BreakerSSLConnection(BreakerConnection, SSLConnection):
    pass


class BreakerConnectionPool(ConnectionPool):
    """django-redis' CONNECTION_POOL_CLASS: connections with the breaker, over TCP or TLS
    (a rediss:// URL)."""

    def __init__(self, connection_class=Connection, **kwargs):
        if issubclass(connection_class, SSLConnection):
            connection_class = BreakerSSLConnection
        elif connection_class is Connection:
            connection_class = BreakerConnection
        super().__init__(connection_class=connection_class, **kwargs)

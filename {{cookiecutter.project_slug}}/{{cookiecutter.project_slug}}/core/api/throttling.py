"""Rate limits kept as one counter per client and time window in Redis, shared by every web
process, and counted in one round trip.

DRF's AnonRateThrottle and UserRateThrottle keep a list of a client's request times in the
cache, read and written back pickled on every request, and an anonymous request passes both:
four round trips. A counter is INCR and EXPIRE, sent together.

The price of a fixed window: a client can send up to twice its rate across the boundary of
two windows (the end of one minute and the start of the next). For a limit that protects the
servers from a runaway client, that is close enough.

The counters live in the "state" Redis, which never evicts (settings CACHES): in the cache's,
a flood of distinct pages could evict a counter and reset its limit. While that Redis is
unreachable every request is let through (and the error logged): its outage must not turn
into an API outage.
"""

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import caches
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:
    # rest_framework.views imports the throttle classes of DEFAULT_THROTTLE_CLASSES.
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The CACHES alias of the counters.
COUNTERS = "state"


@dataclass(frozen=True)
class Limit:
    """At most `requests` per window of `seconds`, as DRF writes it: "100/minute"."""

    requests: int
    seconds: int

    @classmethod
    def named(cls, scope: str) -> "Limit | None":
        """The limit DEFAULT_THROTTLE_RATES gives `scope`; None for no limit."""
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if rate is None:
            return None
        number, period = str(rate).split("/")
        return cls(int(number), PERIODS[period[0]])


def seconds_over(counters: dict[str, Limit]) -> float | None:
    """Count one request against each counter (a key and its limit), in one round trip.

    Returns how long to wait until every counter is back under its limit, or None when the
    request is within all of them (or Redis cannot be reached).
    """
    now = time.time()
    windows = {key: int(now // limit.seconds) for key, limit in counters.items()}
    pipeline = get_redis_connection(COUNTERS).pipeline(transaction=False)
    for key, limit in counters.items():
        window_key = caches[COUNTERS].make_key(f"throttle:{key}:{windows[key]}")
        pipeline.incr(window_key)
        # The key outlives its window by a second, whatever the clocks of the web servers.
        pipeline.expire(window_key, limit.seconds + 1)
    try:
        counts = pipeline.execute()[::2]
    except RedisError:
        logger.warning("Throttling skipped: Redis is unreachable.", exc_info=True)
        return None
    waits = [
        (windows[key] + 1) * limit.seconds - now
        for count, (key, limit) in zip(counts, counters.items(), strict=True)
        if count > limit.requests
    ]
    return max(waits, default=None)


def seconds_at_limit(key: str, limit: Limit) -> float | None:
    """How long until `key`'s counter, which has reached its limit, starts again; None while it
    is under its limit (or Redis cannot be reached). Reads the counter without counting."""
    now = time.time()
    window = int(now // limit.seconds)
    try:
        counter = caches[COUNTERS].make_key(f"throttle:{key}:{window}")
        count = get_redis_connection(COUNTERS).get(counter)
    except RedisError:
        logger.warning("Throttling skipped: Redis is unreachable.", exc_info=True)
        return None
    if count is None or int(count) < limit.requests:
        return None
    return (window + 1) * limit.seconds - now


class RequestRateThrottle(BaseThrottle):
    """The "user" rate for an authenticated client, keyed by its user id; the "anon" rate for
    the others, keyed by address. Both come from DEFAULT_THROTTLE_RATES."""

    wait_seconds: float | None = None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        ident: object
        if request.user is not None and request.user.is_authenticated:
            scope, ident = "user", request.user.pk
        else:
            scope, ident = "anon", self.get_ident(request)
        limit = Limit.named(scope)
        if limit is None:
            return True
        self.wait_seconds = seconds_over({f"{scope}:{ident}": limit})
        return self.wait_seconds is None

    def wait(self) -> float | None:
        return self.wait_seconds

"""Rate limits that cost one Redis round trip per request.

DRF's AnonRateThrottle and UserRateThrottle each keep a list of a client's request times in
the cache, read and written back pickled on every request; for an anonymous request both
apply, so four round trips. Measured on the cached products list, that was a third of the
request's CPU. RequestRateThrottle keeps one counter per client and window instead: INCR and
EXPIRE, sent together.

The price of a fixed window: a client can send up to twice its rate across the boundary of
two windows (the end of one minute and the start of the next). For a limit that protects
the servers from a runaway client, that is close enough.
"""

import logging
import time

from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """A rate such as "100/minute" as (100, 60), read as DRF reads it; None: no limit."""
    if rate is None:
        return None
    number, period = rate.split("/")
    return int(number), PERIODS[period[0]]


class RequestRateThrottle(BaseThrottle):
    """The "user" rate for an authenticated client, keyed by user id; the "anon" rate for the
    others, keyed by address. Both from DEFAULT_THROTTLE_RATES.

    While Redis is unreachable every request is let through (and the error logged): a cache
    outage must not turn into an API outage.
    """

    def __init__(self):
        self.wait_seconds: float | None = None

    def allow_request(self, request, view) -> bool:
        user = request.user
        if user is not None and user.is_authenticated:
            scope, ident = "user", user.pk
        else:
            scope, ident = "anon", self.get_ident(request)
        limit = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(scope))
        if limit is None:
            return True
        allowed, period = limit

        now = time.time()
        window = int(now // period)
        key = cache.make_key(f"throttle:{scope}:{ident}:{window}")
        try:
            pipeline = get_redis_connection("default").pipeline(transaction=False)
            pipeline.incr(key)
            # The key outlives its window by a second, whatever the clocks of the web servers.
            pipeline.expire(key, period + 1)
            count, _ = pipeline.execute()
        except RedisError:
            logger.warning("Throttling skipped: Redis is unreachable.", exc_info=True)
            return True
        if count <= allowed:
            return True
        self.wait_seconds = (window + 1) * period - now
        return False

    def wait(self) -> float | None:
        return self.wait_seconds

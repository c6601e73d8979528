"""Rate limits that cost one Redis round trip per request, or none of their own.

DRF's AnonRateThrottle and UserRateThrottle each keep a list of a client's request times in
the cache, read and written back pickled on every request; for an anonymous request both
apply, so four round trips. Measured on the cached products list, that was a third of the
request's CPU. RequestRateThrottle keeps one counter per client and window instead: INCR and
EXPIRE, sent together.

A view that reads Redis anyway can send the counter's commands in the same round trip
(count_and_read); the throttle then decides from that count without calling Redis again.

The price of a fixed window: a client can send up to twice its rate across the boundary of
two windows (the end of one minute and the start of the next). For a limit that protects
the servers from a runaway client, that is close enough.
"""

import logging
import time

from django.core.cache import cache
from django.http import HttpRequest
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Where count_and_read leaves its count, on the Django request that DRF's Request wraps.
COUNTED = "anonymous_request_count"


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

        counted = getattr(request._request, COUNTED, None) if scope == "anon" else None
        if counted is None:
            now = time.time()
            pipeline = get_redis_connection("default").pipeline(transaction=False)
            _count(pipeline, counter_key(scope, ident, period, now), period)
            try:
                count, _ = pipeline.execute()
            except RedisError:
                logger.warning("Throttling skipped: Redis is unreachable.", exc_info=True)
                return True
        else:
            count, now = counted
        if count <= allowed:
            return True
        self.wait_seconds = (int(now // period) + 1) * period - now
        return False

    def wait(self) -> float | None:
        return self.wait_seconds

    def get_ident(self, request) -> str | None:
        return client_address(request)


def client_address(request) -> str | None:
    """What DRF's BaseThrottle.get_ident answers, read from META: DRF reads X-Forwarded-For
    from request.headers, which builds a dict of every header of the request on first use,
    for this one header (about a twentieth of a cached page's CPU)."""
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR")
    remote_addr = request.META.get("REMOTE_ADDR")
    num_proxies = api_settings.NUM_PROXIES
    if num_proxies is not None:
        if num_proxies == 0 or forwarded_for is None:
            return remote_addr
        addresses = forwarded_for.split(",")
        return addresses[-min(num_proxies, len(addresses))].strip()
    return "".join(forwarded_for.split()) if forwarded_for else remote_addr


def counter_key(scope: str, ident, period: int, now: float) -> str:
    return cache.make_key(f"throttle:{scope}:{ident}:{int(now // period)}")


def _count(pipeline, key: str, period: int) -> None:
    pipeline.incr(key)
    # The key outlives its window by a second, whatever the clocks of the web servers.
    pipeline.expire(key, period + 1)


def count_and_read(request: HttpRequest, keys: list[str]) -> tuple[bool, list] | None:
    """Count an anonymous request against the "anon" rate and read the raw Redis `keys`, in
    one round trip: (whether the request is within its rate, the keys' values).

    The count stays on the request, so that RequestRateThrottle, if DRF's dispatch runs on it
    afterwards, decides from it instead of counting the request twice. None while Redis is
    unreachable: the caller carries on without the cache, and the throttle lets it through.
    """
    limit = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get("anon"))
    now = time.time()
    pipeline = get_redis_connection("default").pipeline(transaction=False)
    if limit is not None:
        ident = client_address(request)
        _count(pipeline, counter_key("anon", ident, limit[1], now), limit[1])
    pipeline.mget(keys)
    try:
        *counted, values = pipeline.execute()
    except RedisError:
        logger.warning("Cache and throttling skipped: Redis is unreachable.", exc_info=True)
        # Counted as the first request of its window: the throttle lets it through at once.
        setattr(request, COUNTED, (1, now))
        return None
    if limit is None:
        return True, values
    setattr(request, COUNTED, (counted[0], now))
    return counted[0] <= limit[0], values

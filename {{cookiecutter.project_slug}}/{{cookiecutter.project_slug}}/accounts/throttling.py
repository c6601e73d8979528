"""Login's own rate limits: every attempt hashes a password, about 0.5 s of CPU.

Two counters per attempt, in Redis, sent in one round trip: one per client address (the
"login_address" rate) and one per username, whatever the address ("login_username"), so that
neither one machine trying many usernames nor many machines trying one username get far.
Every attempt counts, successful or not: a counter of failures alone would have to be written
after the password check, which is the cost being limited.
"""

import hashlib
import logging
import time

from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """A rate such as "5/minute" as (5, 60), read as DRF reads it."""
    number, period = rate.split("/")
    return int(number), SECONDS[period[0]]


class LoginRateThrottle(BaseThrottle):
    """Refuses an attempt once its address or its username is over its rate (a 429 with
    Retry-After). While Redis is unreachable, attempts pass (and the error is logged): the
    password hashing itself then bounds the rate."""

    def __init__(self):
        self.wait_seconds: float | None = None

    def allow_request(self, request, view) -> bool:
        data = request.data
        username = data.get("username") if isinstance(data, dict) else None
        # A digest: any string a client sends makes a short key of safe characters.
        username_key = hashlib.sha256(str(username or "").strip().lower().encode()).hexdigest()
        now = time.time()
        counters = []
        for scope, ident in (("address", self.get_ident(request)), ("username", username_key)):
            allowed, period = parse_rate(api_settings.DEFAULT_THROTTLE_RATES[f"login_{scope}"])
            window = int(now // period)
            key = cache.make_key(f"throttle:login_{scope}:{ident}:{window}")
            counters.append((key, allowed, period, window))
        try:
            pipeline = get_redis_connection("default").pipeline(transaction=False)
            for key, _, period, _ in counters:
                pipeline.incr(key)
                # The key outlives its window by a second, whatever the web servers' clocks.
                pipeline.expire(key, period + 1)
            counts = pipeline.execute()[::2]
        except RedisError:
            logger.warning("Login throttling skipped: Redis is unreachable.", exc_info=True)
            return True
        waits = [
            (window + 1) * period - now
            for count, (_, allowed, period, window) in zip(counts, counters, strict=True)
            if count > allowed
        ]
        if not waits:
            return True
        self.wait_seconds = max(waits)
        return False

    def wait(self) -> float | None:
        return self.wait_seconds

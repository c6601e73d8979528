"""Login's own rate limits: every attempt hashes a password, a costly computation on purpose.

Two counters per attempt, counted in one round trip: one per client address (the
"login_address" rate) and one per username, whatever the address ("login_username"), so that
neither one machine trying many usernames nor many machines trying one username get far.
Every attempt counts, successful or not: a counter of failures alone would have to be written
after the password check, which is the cost being limited.
"""

import hashlib
from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from ..core.api.throttling import Limit, seconds_over

if TYPE_CHECKING:
    # rest_framework.views imports the throttle classes of DEFAULT_THROTTLE_CLASSES.
    from rest_framework.views import APIView


class LoginRateThrottle(BaseThrottle):
    """Refuses an attempt once its address or its username is over its rate (a 429 with
    Retry-After). While Redis is unreachable, attempts pass: the password hashing itself then
    bounds the rate."""

    wait_seconds: float | None = None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        data = request.data
        username = data.get("username") if isinstance(data, dict) else None
        return self.allow(self.get_ident(request), username)

    def allow(self, address: str, username: object) -> bool:
        """Count an attempt from this address for this username (whatever the client sent)."""
        # A digest: any string a client sends, even one that is not valid Unicode, makes a
        # short key of safe characters.
        normalized = str(username or "").strip().lower().encode(errors="surrogatepass")
        username_key = hashlib.sha256(normalized).hexdigest()
        counters = {
            f"login_address:{address}": Limit.named("login_address"),
            f"login_username:{username_key}": Limit.named("login_username"),
        }
        self.wait_seconds = seconds_over(
            {key: limit for key, limit in counters.items() if limit is not None}
        )
        return self.wait_seconds is None

    def wait(self) -> float | None:
        return self.wait_seconds

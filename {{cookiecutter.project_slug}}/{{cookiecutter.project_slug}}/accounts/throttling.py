"""Login's own rate limits: every attempt hashes a password, a costly computation on purpose.

Three counters per attempt, counted in one round trip: one per client address
("login_address"), one per username from that address ("login_username") and one per username
from every address ("login_username_total"). One machine trying many usernames, or one
username, soon stops; an attacker guessing alice's password from one machine never locks alice
out of her own, and only many machines together could, at a rate well above one's.
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
    """Refuses an attempt once any of its counters is over its rate (a 429 with
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
            f"login_username:{username_key}:{address}": Limit.named("login_username"),
            f"login_username_total:{username_key}": Limit.named("login_username_total"),
        }
        self.wait_seconds = seconds_over(
            {key: limit for key, limit in counters.items() if limit is not None}
        )
        return self.wait_seconds is None

    def wait(self) -> float | None:
        return self.wait_seconds

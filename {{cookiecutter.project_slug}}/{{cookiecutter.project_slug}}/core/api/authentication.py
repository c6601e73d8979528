"""Credentials that fail are counted per client address ("bad_credentials" in
DEFAULT_THROTTLE_RATES): past the rate, that address's requests with credentials get a 429.

DRF authenticates a request before it throttles it, so a refused token never reached the
throttles: a flood of made-up tokens was never counted.
"""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from .throttling import Limit, seconds_at_limit, seconds_over


class FailuresCounted(BaseAuthentication):
    """Mixin for an authentication class that reads the Authorization header.

    With check_first, the address's count is read before the credentials are checked, so that
    past the rate a request costs a Redis read rather than the check (a database query for a
    token). Without it, only failures cost anything more than the check itself.
    """

    check_first = False

    def authenticate(self, request: Request):
        limit = Limit.named("bad_credentials")
        if limit is None or not get_authorization_header(request):
            return super().authenticate(request)
        key = f"bad_credentials:{BaseThrottle().get_ident(request)}"
        if self.check_first and (wait := seconds_at_limit(key, limit)) is not None:
            raise exceptions.Throttled(wait)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            wait = seconds_over({key: limit})
            if wait is not None:
                raise exceptions.Throttled(wait) from None
            raise

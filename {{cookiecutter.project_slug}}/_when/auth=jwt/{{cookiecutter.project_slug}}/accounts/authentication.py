"""JWT authentication that trusts the signed token for reads and checks the user for writes."""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework_simplejwt import authentication

from ..core.api.authentication import FailuresCounted


class JWTAuthentication(FailuresCounted, authentication.JWTStatelessUserAuthentication):
    """A read needs no query: the token names the user, and nobody can forge it. A write loads
    the user, as simplejwt's JWTAuthentication does, so that a user deleted or deactivated in
    the token's lifetime (JWT_ACCESS_SECONDS) is refused with a 401 instead of writing, or
    failing on a row that no longer exists. A token that fails is counted against its address
    (core/api/authentication.py)."""

    def authenticate(self, request: Request):
        authenticated = super().authenticate(request)
        if authenticated is None or request.method in SAFE_METHODS:
            return authenticated
        _, token = authenticated
        return authentication.JWTAuthentication().get_user(token), token

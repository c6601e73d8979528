"""DRF's token authentication, with the tokens that fail counted per client address."""

from rest_framework import authentication

from ..core.api.authentication import FailuresCounted


class TokenAuthentication(FailuresCounted, authentication.TokenAuthentication):
    # Each token is looked up in the database: past the rate, reading the address's count
    # first spares that query.
    check_first = True

"""Read-your-writes across requests: a client that wrote reads from the primary for a while.

The router (db_router.py) keeps the rest of a writing request on the primary. The same client's
next request may reach another web process, and read from a replica that has not replayed the
write yet. So the response to a request that wrote carries a signed, timestamped token: as a
cookie for browsers, and as a response header that API clients send back as a request header.
A request with a token younger than READ_YOUR_WRITES_SECONDS reads from the primary.

The token is signed with SECRET_KEY, so a client cannot pin itself to the primary for longer
than the window after its own last write.
"""

from django.conf import settings
from django.core import signing

from .router import routing_scope

SALT = "read-your-writes"


class ReadYourWritesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.signer = signing.TimestampSigner(salt=SALT)

    def __call__(self, request):
        with routing_scope(primary=self._wrote_recently(request)) as scope:
            response = self.get_response(request)
        if scope.wrote and settings.READ_YOUR_WRITES_SECONDS > 0:
            self._remember_write(request, response)
        return response

    def _wrote_recently(self, request) -> bool:
        seconds = settings.READ_YOUR_WRITES_SECONDS
        cookie, header = settings.READ_YOUR_WRITES_COOKIE, settings.READ_YOUR_WRITES_HEADER
        tokens = [
            request.COOKIES.get(cookie) if cookie else None,
            request.headers.get(header) if header else None,
        ]
        for token in filter(None, tokens):
            try:
                self.signer.unsign(token, max_age=seconds)
            except signing.BadSignature:  # forged, or older than the window
                continue
            return True
        return False

    def _remember_write(self, request, response) -> None:
        token = self.signer.sign("primary")
        if cookie := settings.READ_YOUR_WRITES_COOKIE:
            response.set_cookie(
                cookie,
                token,
                max_age=settings.READ_YOUR_WRITES_SECONDS,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        if header := settings.READ_YOUR_WRITES_HEADER:
            response[header] = token

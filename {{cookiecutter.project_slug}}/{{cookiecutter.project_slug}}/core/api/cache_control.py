"""Who may keep a copy of an answer: nobody, unless the view says so.

An API's answers are per caller unless shown otherwise, so every response without a
Cache-Control of its own is `private, no-store`. A view whose answer is the same for every
anonymous caller marks it public (public_for_anonymous), and nginx, a CDN or a browser keeps
it for a few seconds. Never `Vary: Cookie`: a shared cache keeps a copy per cookie and so one
per visitor; every answer that depends on a session is private anyway.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from rest_framework.request import Request


class CacheControlMiddleware:
    """Before SessionMiddleware in MIDDLEWARE: it sees the Vary that sessions add."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        if response.has_header("Vary"):
            vary = [v.strip() for v in response["Vary"].split(",")]
            kept = [v for v in vary if v.lower() != "cookie"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response


def public_for_anonymous(request: Request, response: HttpResponse) -> HttpResponse:
    """Cacheable by anyone for PUBLIC_CACHE_SECONDS when the caller is anonymous (and for
    PUBLIC_STALE_SECONDS more while a fresh copy is fetched); otherwise kept by the caller's
    own client only, which revalidates it each time (an ETag answers that cheaply)."""
    if request.user is not None and request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PUBLIC_CACHE_SECONDS,
            stale_while_revalidate=settings.PUBLIC_STALE_SECONDS,
        )
    return response

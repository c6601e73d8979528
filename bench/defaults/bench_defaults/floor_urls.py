"""The floor's two views: /healthz as the defaults answer it, and the least a cached page can
cost through Django: one Redis GET of the stored bytes, sent as they are."""

import os

import redis
from django.http import HttpResponse
from django.urls import path

from .views import healthz

# The key of the page the harness stored (the template's first products page) in the run's
# Redis. The client connects on its first command, in a worker, not at import.
STORED_PAGE = os.environ["BENCH_STORED_PAGE"]
_redis = redis.Redis.from_url(os.environ["REDIS_URL"])


def stored_page(request):
    body = _redis.get(STORED_PAGE)
    if body is None:  # a 500, which the run counts as an error, rather than a page of "None"
        raise LookupError(f"the harness stored no page at {STORED_PAGE!r}")
    return HttpResponse(body, content_type="application/json")


urlpatterns = [
    path("healthz", healthz),
    path("api/v1/products/", stored_page),
]
